import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { SimRequest } from "./types.js";

const EMPTY = Buffer.alloc(0);
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The request log entry; the query string is parsed only when a test reads it. */
export class ReceivedRequest implements SimRequest {
  readonly path: string;
  params: Record<string, string> = NO_PARAMS;
  route: string | undefined = undefined;
  #search: URLSearchParams | undefined;
  #query: Record<string, string> | undefined;

  constructor(
    readonly seq: number,
    readonly method: string,
    readonly url: string,
    readonly headers: IncomingHttpHeaders,
    readonly body: Buffer,
    readonly connection: number,
    readonly receivedAt: number,
  ) {
    const q = url.indexOf("?");
    this.path = q === -1 ? url : url.slice(0, q);
  }

  get searchParams(): URLSearchParams {
    if (!this.#search) {
      const q = this.url.indexOf("?");
      this.#search = new URLSearchParams(q === -1 ? "" : this.url.slice(q + 1));
    }
    return this.#search;
  }

  get query(): Record<string, string> {
    if (!this.#query) {
      const out: Record<string, string> = {};
      for (const [k, v] of this.searchParams) if (!(k in out)) out[k] = v;
      this.#query = out;
    }
    return this.#query;
  }

  text(): string {
    return this.body.toString("utf8");
  }

  json<T = unknown>(): T {
    return (this.body.length === 0 ? undefined : JSON.parse(this.text())) as T;
  }

  form(): URLSearchParams {
    return new URLSearchParams(this.text());
  }

  toJSON(): Record<string, unknown> {
    return {
      seq: this.seq,
      method: this.method,
      url: this.url,
      route: this.route,
      params: this.params,
      headers: this.headers,
      body: this.text(),
      connection: this.connection,
      receivedAt: this.receivedAt,
    };
  }
}

/** Reads the whole request body; resolves at once (no listeners) when the request says it has none. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  const length = req.headers["content-length"];
  if ((length === undefined || length === "0") && req.headers["transfer-encoding"] === undefined) {
    req.resume();
    return Promise.resolve(EMPTY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}
