import { Readable } from "node:stream";

/**
 * A response body that was read (and parsed) inside its attempt. It still
 * reads as a stream for middleware that wants one (cache, dedupe); the client
 * takes `data` without reading it again.
 */
export class BufferedBody extends Readable {
  constructor(
    readonly bytes: Buffer,
    /** The decoded body (JSON value, text or bytes), per the request's `read.type`. */
    readonly data: unknown,
  ) {
    super();
  }

  override _read(): void {
    if (this.bytes.length > 0) this.push(this.bytes);
    this.push(null);
  }
}

export function isBuffered(body: Readable | null): body is BufferedBody {
  return body instanceof BufferedBody;
}

/** True while `body` is a stream still tied to its connection (not read in the attempt, not closed). */
export function holdsConnection(body: Readable | null): body is Readable {
  return body !== null && !(body instanceof BufferedBody) && !body.destroyed && !body.closed;
}

/**
 * Calls `done` once the body no longer holds a connection: at once for no
 * body, a body read in its attempt or one already closed; else when the
 * stream closes (read to the end, destroyed, or failed).
 */
export function whenBodyDone(body: Readable | null, done: () => void): void {
  if (holdsConnection(body)) body.once("close", done);
  else done();
}
