import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import type { ApiRequest, ApiResponse, ResponseHeaders, Transport } from "../types.js";
import { toTransportError } from "./errors.js";

export interface FetchTransportOptions {
  /** The fetch to call (default: the global `fetch`). */
  fetch?: typeof fetch;
}

/**
 * A transport over WHATWG `fetch`, for runtimes without undici (Bun, Deno,
 * workers) or to go through a fetch-based proxy. Redirects are not followed:
 * the pipeline sees every response, as with the undici transport.
 */
export function fetchTransport(options: FetchTransportOptions = {}): Transport {
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    name: "fetch",
    async send(req: ApiRequest): Promise<ApiResponse> {
      try {
        let body: unknown = typeof req.body === "function" ? req.body() : req.body;
        const init: RequestInit & { duplex?: "half" } = { method: req.method, headers: req.headers, redirect: "manual" };
        if (req.signal) init.signal = req.signal;
        if (body !== undefined) {
          if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function" && !(body instanceof Uint8Array)) {
            body = Readable.toWeb(Readable.from(body as AsyncIterable<Uint8Array>)) as unknown as BodyInit;
            init.duplex = "half";
          }
          init.body = body as BodyInit;
        }
        const res = await doFetch(req.origin + req.path, init);
        const headers: ResponseHeaders = {};
        res.headers.forEach((value, name) => {
          headers[name] = value;
        });
        const setCookie = res.headers.getSetCookie?.();
        if (setCookie && setCookie.length > 1) headers["set-cookie"] = setCookie;
        const stream = res.body ? Readable.fromWeb(res.body as unknown as NodeWebStream<Uint8Array>) : null;
        return { status: res.status, headers, body: stream, request: req, attempts: req.attempt };
      } catch (err) {
        throw toTransportError(err, req);
      }
    },
    async close() {},
  };
}
