import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { type Duration, toMillis } from "../util/duration.js";
import { slowClientLimits } from "../util/server-timeouts.js";
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
 * `redirect_uri=http://127.0.0.1:<port><path>`, finishes the callback that
 * carries this login's state (others get 400 and are ignored) and closes the listener.
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
  // Whatever happens first (open() still pending, a timeout), a failed login must never be an unhandled rejection.
  done.catch(() => {});
  /** The state of the authorization URL this login created; callbacks without it are not ours. */
  let expectedState: string | undefined;
  const server = createServer(slowClientLimits(10_000), (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1`);
    if (req.method !== "GET" || url.pathname !== path) {
      res.writeHead(404).end();
      return;
    }
    const state = url.searchParams.get("state");
    if (expectedState === undefined || state === null || !sameState(state, expectedState)) {
      // Anyone on the machine can reach this port: a wrong or missing state neither ends nor spoils the login.
      res.writeHead(400, { "content-type": "text/html; charset=utf-8" }).end(PAGE("Unknown sign-in attempt."));
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
    expectedState = new URL(url).searchParams.get("state") ?? undefined;
    const timedOut = deps.clock.sleep(timeoutMs, signal).then(() => {
      throw new OAuthError("ballast_login_timeout", { message: `no callback within ${timeoutMs} ms` });
    });
    timedOut.catch(() => {});
    // The callback may arrive (or the time run out) before open() returns.
    await Promise.race([open(url), done, timedOut]);
    return await Promise.race([done, timedOut]);
  } finally {
    stop.abort();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function sameState(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
