import type { Readable } from "node:stream";
import { describeRequest, ResponseTooLargeError } from "../errors.js";
import { toTransportError } from "../transport/errors.js";
import type { ApiResponse } from "../types.js";
import { BodyTooLarge, collect } from "../util/collect.js";

const EMPTY = Buffer.alloc(0);

/**
 * Reads a whole response body, failing with `ResponseTooLargeError` as soon as
 * it passes `limit` bytes (the rest is not read: the socket is destroyed).
 */
export function readBody(res: ApiResponse, limit: number): Promise<Buffer> {
  const body = res.body;
  if (body === null) return Promise.resolve(EMPTY);
  const declared = Number(res.headers["content-length"]);
  if (declared > limit) {
    abandon(body);
    return Promise.reject(new ResponseTooLargeError(limit, { request: describeRequest(res.request) }));
  }
  return collect(body, limit).catch((err: unknown) => {
    if (err instanceof BodyTooLarge) {
      abandon(body);
      throw new ResponseTooLargeError(limit, { request: describeRequest(res.request) });
    }
    throw toTransportError(err, res.request);
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
