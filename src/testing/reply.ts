import type { OutgoingHttpHeaders } from "node:http";
import { ConfigError } from "../errors.js";
import type { Fault, Reply } from "./types.js";

/**
 * A reply ready for the wire: headers flattened to lower case with
 * `content-type` and `content-length` filled in, body as bytes. Static replies
 * are encoded once when the route is registered, not on every request.
 */
export interface EncodedReply {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
  /** Set when the body is streamed in chunks (chunked transfer encoding). */
  readonly chunks: readonly Buffer[] | undefined;
  readonly chunkDelay: number;
  readonly delay: number;
  readonly bodyDelay: number;
  readonly fault: Fault | undefined;
  /** The reply named a status or a body: a faulted reply that has one still "happened" on the server (idempotency stores it). */
  readonly hasOutcome: boolean;
}

const EMPTY: Buffer = Buffer.alloc(0);
const FAULTS: ReadonlySet<string> = new Set<Fault>(["reset", "stall", "truncate", "reset-after-headers"]);

/** Statuses that never carry a body or a content-length. */
export function isBodiless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

function checkMs(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`reply.${name}`, `must be a non-negative number of ms, got ${value}`);
  return value;
}

export function encodeReply(reply: Reply): EncodedReply {
  if (reply === null || typeof reply !== "object") throw new ConfigError("reply", `must be an object, got ${String(reply)}`);
  const status = reply.status ?? 200;
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new ConfigError("reply.status", `must be an HTTP status code (100-999), got ${status}`);
  if (reply.fault !== undefined && !FAULTS.has(reply.fault))
    throw new ConfigError("reply.fault", `must be one of ${[...FAULTS].join(", ")}, got "${reply.fault}"`);

  const headers: OutgoingHttpHeaders = {};
  if (reply.headers) {
    for (const name of Object.keys(reply.headers)) {
      const value = reply.headers[name]!;
      headers[name.toLowerCase()] = typeof value === "object" ? [...value] : String(value);
    }
  }

  let body: Buffer = EMPTY;
  let chunks: Buffer[] | undefined;
  if (reply.chunks !== undefined) {
    if (!Array.isArray(reply.chunks)) throw new ConfigError("reply.chunks", "must be an array of strings or bytes");
    chunks = reply.chunks.map(toBuffer);
    headers["content-type"] ??= reply.chunks.every((c) => typeof c === "string") ? "text/plain; charset=utf-8" : "application/octet-stream";
  } else if (reply.json !== undefined) {
    body = Buffer.from(JSON.stringify(reply.json));
    headers["content-type"] ??= "application/json";
  } else if (typeof reply.body === "string") {
    body = Buffer.from(reply.body);
    headers["content-type"] ??= "text/plain; charset=utf-8";
  } else if (reply.body !== undefined) {
    body = toBuffer(reply.body);
    headers["content-type"] ??= "application/octet-stream";
  }
  if (isBodiless(status)) {
    body = EMPTY;
    chunks = undefined;
    delete headers["content-length"];
  } else if (chunks) {
    delete headers["content-length"];
    headers["transfer-encoding"] = "chunked";
  } else headers["content-length"] = String(body.length);

  return {
    status,
    headers,
    body,
    chunks,
    chunkDelay: checkMs(reply.chunkDelay, "chunkDelay"),
    delay: checkMs(reply.delay, "delay"),
    bodyDelay: checkMs(reply.bodyDelay, "bodyDelay"),
    fault: reply.fault,
    hasOutcome: reply.status !== undefined || reply.json !== undefined || reply.body !== undefined || reply.chunks !== undefined,
  };
}

/** The same reply, answered cleanly (no fault, no delays), with extra headers: how an idempotent replay is sent. */
export function asReplay(reply: EncodedReply): EncodedReply {
  return { ...reply, headers: { ...reply.headers, "idempotent-replayed": "true" }, delay: 0, bodyDelay: 0, chunkDelay: 0, fault: undefined };
}

function toBuffer(data: string | Uint8Array): Buffer {
  if (typeof data === "string") return Buffer.from(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A JSON reply built on the hot path (404, 429, 422...): small, encoded per use. */
export function jsonReply(status: number, json: unknown, headers?: OutgoingHttpHeaders): EncodedReply {
  const body = Buffer.from(JSON.stringify(json));
  return {
    status,
    headers: { ...headers, "content-type": "application/json", "content-length": String(body.length) },
    body,
    chunks: undefined,
    chunkDelay: 0,
    delay: 0,
    bodyDelay: 0,
    fault: undefined,
    hasOutcome: true,
  };
}
