import { type OutgoingHttpHeaders, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { type EncodedReply, isBodiless } from "./reply.js";

/** Waits `ms` of real time; resolves `false` instead when the simulator closes first. */
export type Wait = (ms: number) => Promise<boolean>;

/** A body to cut short when a truncating reply has (almost) none of its own. */
const FILLER = Buffer.from(JSON.stringify({ data: "x".repeat(1000) }));
/** Time for the client to read the headers before the reset arrives (a reset can discard unread data). */
const RESET_GRACE_MS = 20;

/** Writes a reply to the socket: delays, faults, then status, headers and body. */
export async function sendReply(res: ServerResponse, reply: EncodedReply, extra: OutgoingHttpHeaders | undefined, wait: Wait): Promise<void> {
  if (reply.delay > 0 && (!(await wait(reply.delay)) || res.destroyed)) return;
  const headers = extra ? { ...reply.headers, ...extra } : reply.headers;

  switch (reply.fault) {
    case undefined:
      break;
    case "reset":
      res.socket?.resetAndDestroy();
      return;
    case "stall":
      // Nothing is ever written; `sim.close()` destroys the socket.
      return;
    case "truncate":
      return truncate(res, reply, headers);
    case "reset-after-headers":
      return resetAfterHeaders(res, reply, headers, wait);
  }

  res.writeHead(reply.status, headers);
  if (isBodiless(reply.status)) {
    res.end();
    return;
  }
  if (reply.bodyDelay > 0) {
    res.flushHeaders();
    if (!(await wait(reply.bodyDelay)) || res.destroyed) return;
  }
  if (reply.chunks) return sendChunks(res, reply.chunks, reply.chunkDelay, wait);
  res.end(reply.body);
}

async function sendChunks(res: ServerResponse, chunks: readonly Buffer[], chunkDelay: number, wait: Wait): Promise<void> {
  for (let i = 0; i < chunks.length; i++) {
    if (i > 0 && chunkDelay > 0) {
      if (!(await wait(chunkDelay)) || res.destroyed) return;
    }
    res.write(chunks[i]!);
  }
  res.end();
}

/** The status line and headers written straight to the socket (the faults bypass Node's response writer). */
function rawHead(status: number, headers: OutgoingHttpHeaders, contentLength: number | undefined): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
  for (const name of Object.keys(headers)) {
    if (name === "content-length" || name === "connection" || name === "transfer-encoding") continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) head += `${name}: ${v}\r\n`;
    else head += `${name}: ${String(value)}\r\n`;
  }
  const framing = contentLength === undefined ? "transfer-encoding: chunked" : `content-length: ${contentLength}`;
  return `${head}${framing}\r\nconnection: close\r\n\r\n`;
}

function faultBody(reply: EncodedReply): Buffer {
  return reply.body.length >= 2 ? reply.body : FILLER;
}

/** The first half of the body as it goes on the wire: raw bytes, or the first half of the chunks, chunk-framed. */
function firstHalf(reply: EncodedReply): Buffer {
  if (!reply.chunks) {
    const body = faultBody(reply);
    return body.subarray(0, Math.floor(body.length / 2));
  }
  const half = reply.chunks.slice(0, Math.max(1, Math.floor(reply.chunks.length / 2)));
  return Buffer.concat(half.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from("\r\n")]));
}

function liveSocket(res: ServerResponse): Socket | undefined {
  const socket = res.socket;
  return socket && !socket.destroyed ? socket : undefined;
}

function truncate(res: ServerResponse, reply: EncodedReply, headers: OutgoingHttpHeaders): Promise<void> {
  const socket = liveSocket(res);
  if (!socket) return Promise.resolve();
  // A 204 or 304 has no body to cut, and HTTP forbids it one: its head is cut instead.
  if (isBodiless(reply.status)) {
    const head = rawHead(reply.status, headers, 0);
    return new Promise((resolve) =>
      socket.write(head.slice(0, Math.floor(head.length / 2)), () => {
        socket.destroy();
        resolve();
      }),
    );
  }
  const length = reply.chunks ? undefined : faultBody(reply).length;
  return new Promise((resolve) => {
    socket.write(rawHead(reply.status, headers, length));
    // Closing once the partial body has been handed to the kernel: the client sees a premature end of body.
    socket.write(firstHalf(reply), () => {
      socket.destroy();
      resolve();
    });
  });
}

function resetAfterHeaders(res: ServerResponse, reply: EncodedReply, headers: OutgoingHttpHeaders, wait: Wait): Promise<void> {
  const socket = liveSocket(res);
  if (!socket) return Promise.resolve();
  const length = reply.chunks ? undefined : faultBody(reply).length;
  return new Promise((resolve) => {
    socket.write(rawHead(reply.status, headers, length), () => {
      void wait(RESET_GRACE_MS).then(() => {
        if (!socket.destroyed) socket.resetAndDestroy();
        resolve();
      });
    });
  });
}
