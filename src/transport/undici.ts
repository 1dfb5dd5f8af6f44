import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { Agent, type Dispatcher } from "undici";
import { ConfigError } from "../errors.js";
import type { ApiRequest, ApiResponse, Transport } from "../types.js";
import type { Duration } from "../util/duration.js";
import { durationOption, integerOption } from "../util/options.js";
import { toTransportError } from "./errors.js";
import { Wall } from "./wall.js";

export interface UndiciTransportOptions {
  /** Max connections per origin (default: unlimited, as undici). */
  connections?: number;
  /** Requests pipelined per connection (default 1). */
  pipelining?: number;
  /** Negotiate HTTP/2 over TLS when the server offers it (default false). */
  allowH2?: boolean;
  /** Idle keep-alive time for a socket: ms or a duration such as `"4s"` (default 4000, undici's). */
  keepAliveTimeout?: Duration;
  /** Time to establish a connection: ms or a duration such as `"10s"` (default 10 000). */
  connectTimeout?: Duration;
  /**
   * TLS settings for connections. `ca` (PEM) *replaces* Node's default roots, as in `tls.connect`: only the CAs
   * listed are trusted (pinning a private CA). To add a CA, pass `[...tls.rootCertificates, myCa]`.
   * `cert` and `key`: a client certificate for mutual TLS.
   */
  tls?: { ca?: string | Buffer | Array<string | Buffer>; cert?: string | Buffer; key?: string | Buffer; servername?: string };
  /** Use this dispatcher instead of creating an Agent (it is not closed by `close()`). */
  dispatcher?: Dispatcher;
}

function positive(name: string, v: number | undefined): void {
  if (v !== undefined) integerOption(v, `transport.${name}`);
}

/**
 * The default transport: undici's dispatcher API with one connection pool per
 * origin, kept alive. It enforces `req.timeout` (the client's attempt timer)
 * itself, exactly, from sending until the body is read: one timer and no
 * AbortController per request (undici's own header/body timeouts are off:
 * they tick coarsely and the body one restarts on every chunk). Without a
 * time limit the caller's signal is passed through as is.
 */
export function undiciTransport(options: UndiciTransportOptions = {}): Transport {
  positive("connections", options.connections);
  positive("pipelining", options.pipelining);
  const keepAliveTimeout = durationOption(options.keepAliveTimeout ?? 4000, "transport.keepAliveTimeout");
  const connectTimeout = durationOption(options.connectTimeout ?? 10_000, "transport.connectTimeout");
  if (options.tls !== undefined && (typeof options.tls !== "object" || options.tls === null))
    throw new ConfigError("transport.tls", "must be an object ({ ca, cert, key, servername })");
  const own = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Agent({
      ...(options.connections !== undefined && { connections: options.connections }),
      pipelining: options.pipelining ?? 1,
      allowH2: options.allowH2 ?? false,
      keepAliveTimeout,
      connectTimeout,
      headersTimeout: 0,
      bodyTimeout: 0,
      ...(options.tls !== undefined && { connect: { ...options.tls } }),
    });

  return {
    name: "undici",
    enforcesTimeouts: true,
    async send(req: ApiRequest): Promise<ApiResponse> {
      let wall: Wall | undefined;
      try {
        const opts: Dispatcher.RequestOptions = {
          origin: req.origin,
          path: req.path,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
        };
        if (req.body !== undefined) {
          const body = typeof req.body === "function" ? req.body() : req.body;
          if (body instanceof FormData) {
            // Serialised per attempt by the runtime's own encoder: streamed, with a fresh boundary.
            const encoded = new Response(body);
            opts.headers = { ...req.headers, "content-type": encoded.headers.get("content-type") as string };
            opts.body = Readable.fromWeb(encoded.body as NodeWebStream<Uint8Array>);
          } else opts.body = body as NonNullable<Dispatcher.RequestOptions["body"]>;
        }
        if (req.timeout !== undefined) {
          wall = new Wall(req.timeout.ms, req.timeout.expired, req.signal);
          opts.signal = wall as unknown as AbortSignal;
        } else if (req.signal !== undefined) opts.signal = req.signal;
        const res = await dispatcher.request(opts);
        const body = res.body as unknown as Readable;
        wall?.until(body);
        // A failure while the caller reads the body is a transport failure too.
        return { status: res.statusCode, headers: res.headers, body, request: req, attempts: req.attempt };
      } catch (err) {
        wall?.stop();
        throw toTransportError(err, req);
      }
    },
    async close() {
      if (own) await dispatcher.close();
    },
  };
}
