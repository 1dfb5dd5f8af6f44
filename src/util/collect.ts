import type { Readable } from "node:stream";

/** The stream went past the byte limit; reading stopped there. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`body exceeds ${limit} bytes`);
  }
}

/** The whole body did not arrive within the deadline; reading stopped there. */
export class BodyTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`body not received within ${timeoutMs} ms`);
  }
}

/**
 * Collects a stream into one Buffer, rejecting with `BodyTooLarge` as soon as
 * it passes `limit` bytes (nothing more is buffered). 'data' events rather
 * than an async iterator: it allocates less per chunk. An 'aborted' stream
 * (an HTTP request whose client went away) rejects: a truncated body is
 * never handed on as if complete. With `timeoutMs`, the whole body must
 * arrive within that time from the call (a deadline, not an idle timer: a
 * body trickled a byte at a time is cut at the deadline all the same).
 */
export function collect(stream: Readable, limit: number, timeoutMs?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (e: unknown) => {
      cleanup();
      reject(e);
    };
    const onAborted = () => onError(new Error("request aborted"));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => onError(new BodyTimeout(timeoutMs)), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("aborted", onAborted);
    };
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("error", onError);
    stream.once("aborted", onAborted);
  });
}
