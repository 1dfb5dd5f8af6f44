import type { Readable } from "node:stream";
import { describeRequest, ResponseTooLargeError } from "../errors.js";
import { toTransportError } from "../transport/errors.js";
import type { ApiResponse } from "../types.js";

const EMPTY = Buffer.alloc(0);

/**
 * Reads a whole response body, failing with `ResponseTooLargeError` as soon as
 * it passes `limit` bytes (the rest is not read: the socket is destroyed).
 * Uses 'data' events rather than an async iterator: it allocates less.
 */
export function readBody(res: ApiResponse, limit: number): Promise<Buffer> {
  const body = res.body;
  if (body === null) return Promise.resolve(EMPTY);
  const declared = Number(res.headers["content-length"]);
  if (declared > limit) {
    abandon(body);
    return Promise.reject(new ResponseTooLargeError(limit, { request: describeRequest(res.request) }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        abandon(body);
        reject(new ResponseTooLargeError(limit, { request: describeRequest(res.request) }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: unknown) => {
      cleanup();
      reject(toTransportError(err, res.request));
    };
    const cleanup = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
    };
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
  });
}

const ignore = () => {};

/** Stops reading and closes the connection; the stream's late abort error is expected and ignored. */
export function abandon(body: Readable): void {
  body.on("error", ignore);
  body.destroy();
}

/** Throws the body away so the connection can be reused. */
export function discardBody(body: Readable | null): void {
  if (body !== null && !body.readableEnded) body.on("error", ignore).resume();
}
