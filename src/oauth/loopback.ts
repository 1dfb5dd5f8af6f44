import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { type Duration, toMillis } from "../util/duration.js";
import type { AuthorizationUrlOptions, CallbackResult } from "./authorization-code.js";
import { OAuthError } from "./errors.js";

export interface LoopbackLoginOptions extends Omit<AuthorizationUrlOptions, "redirectUri"> {
  /** Shows the URL to the user: open a browser, or print it. */
  open: (url: string) => void | Promise<void>;
  /** Port on 127.0.0.1 (default 0: any free port; the provider must accept any loopback port, RFC 8252 §7.3). */
  port?: number;
  /** Callback path (default `/callback`). */
  path?: string;
  /** Give up after this long (default `"5m"`). */
  timeout?: Duration;
  signal?: AbortSignal;
}

const PAGE = (title: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><p style="font-family:sans-serif">${title} You can close this window.</p>`;

/**
 * RFC 8252 loopback redirect for command-line logins: listens on
 * 127.0.0.1, sends the user to the authorization URL with
 * `redirect_uri=http://127.0.0.1:<port><path>`, finishes the callback and
 * closes the listener.
 */
export async function loopbackLogin(
  deps: { clock: Clock; authorizationUrl(o: AuthorizationUrlOptions): Promise<string>; handleCallback(input: URL): Promise<CallbackResult> },
  options: LoopbackLoginOptions,
): Promise<CallbackResult> {
  if (typeof options?.open !== "function") throw new ConfigError("loopbackLogin.open", "must be a function that shows the URL to the user");
  const path = options.path ?? "/callback";
  if (!path.startsWith("/")) throw new ConfigError("loopbackLogin.path", "must start with /");
  const timeoutMs = toMillis(options.timeout ?? "5m", "loopbackLogin.timeout");

  let settle!: { resolve: (r: CallbackResult) => void; reject: (e: unknown) => void };
  const done = new Promise<CallbackResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1`);
    if (req.method !== "GET" || url.pathname !== path) {
      res.writeHead(404).end();
      return;
    }
    deps.handleCallback(url).then(
      (result) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE("Signed in."));
        settle.resolve(result);
      },
      (e: unknown) => {
        res.writeHead(400, { "content-type": "text/html; charset=utf-8" }).end(PAGE("Sign-in failed."));
        settle.reject(e);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    const { port } = server.address() as AddressInfo;
    const { open, port: _port, path: _path, timeout: _timeout, signal: _signal, ...authorization } = options;
    const url = await deps.authorizationUrl({ ...authorization, redirectUri: `http://127.0.0.1:${port}${path}` });
    await open(url);
    const timedOut = deps.clock.sleep(timeoutMs, signal).then(() => {
      throw new OAuthError("ballast_login_timeout", { message: `no callback within ${timeoutMs} ms` });
    });
    return await Promise.race([done, timedOut]);
  } finally {
    stop.abort();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
