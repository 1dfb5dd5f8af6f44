import type { IncomingHttpHeaders } from "node:http";

/** A connection-level failure the simulator injects instead of (or in the middle of) a normal answer. */
export type Fault =
  /** Destroy the socket with a TCP reset before any byte of the response: the client sees ECONNRESET. */
  | "reset"
  /** Accept the request and never answer (until `sim.close()`): the client times out. */
  | "stall"
  /** Send the headers with the full `content-length`, then part of the body, then close: the client's body read fails. */
  | "truncate"
  /** Send the status line and headers, then reset the connection before any body. */
  | "reset-after-headers";

/** What the simulator answers to one request. Every field is optional: `{}` is `200` with an empty body. */
export interface Reply {
  /** HTTP status, default 200. */
  status?: number;
  headers?: Record<string, string | number | readonly string[]>;
  /** Serialised as the body with `content-type: application/json` (unless `headers` sets one). */
  json?: unknown;
  /** A raw body (ignored when `json` is set). */
  body?: string | Uint8Array;
  /**
   * Streams the body as these chunks with chunked transfer encoding (no `content-length`), `chunkDelay` ms
   * apart: NDJSON, server-sent events, slow downloads. Replaces `json` and `body`.
   */
  chunks?: readonly (string | Uint8Array)[];
  /** Milliseconds between `chunks` (real time). */
  chunkDelay?: number;
  /** Milliseconds to wait before sending anything (real time). */
  delay?: number;
  /** Milliseconds between the headers and the body (real time): headers arrive, the body is slow. */
  bodyDelay?: number;
  /** A connection failure to inject; see {@link Fault}. */
  fault?: Fault;
}

/** A handler computes a reply from the request. */
export type ReplyHandler = (req: SimRequest) => Reply | Promise<Reply>;

/** A route's answer: one reply for every request, a script (one entry per request, the last repeats), or a handler. */
export type RouteReply = Reply | readonly Reply[] | ReplyHandler;

export interface RouteOptions {
  /**
   * Honour `Idempotency-Key` (or `header`): a repeated key on the same method and path replays the first
   * response without running the handler again; the same key with another body gets 422, a key whose first
   * request is still running gets 409 (`conflict` answers both in the API's own shape).
   */
  idempotency?: boolean | { header?: string; conflict?: (kind: "mismatch" | "in-flight") => Reply };
}

/** A request as the simulator received it. */
export interface SimRequest {
  /** 1-based order of arrival across the whole simulator. */
  readonly seq: number;
  /** Upper case, as sent. */
  readonly method: string;
  /** The path without the query string, still percent-encoded (as sent). */
  readonly path: string;
  /** Path and query string, as sent. */
  readonly url: string;
  /** Query parameters: the first value of each name. All values: `searchParams.getAll(name)`. */
  readonly query: Record<string, string>;
  readonly searchParams: URLSearchParams;
  /** Lower-case names, as Node parses them. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Path parameters from the matched route template (decoded); `{}` when no route matched. */
  readonly params: Record<string, string>;
  /** The template of the route that answered (`/users/:id`), if any. */
  readonly route: string | undefined;
  /** Which connection it came on (1-based, per simulator): equal ids mean a kept-alive socket was reused. */
  readonly connection: number;
  /** Simulator clock time at arrival (ms). */
  readonly receivedAt: number;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON (throws on invalid JSON); `undefined` for an empty body. */
  json<T = unknown>(): T;
  /** The body parsed as `application/x-www-form-urlencoded` (OAuth token requests, Twilio...). */
  form(): URLSearchParams;
}
