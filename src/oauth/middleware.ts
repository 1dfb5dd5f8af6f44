import { trusted } from "../compose.js";
import type { ApiRequest, Middleware, ResponseHeaders } from "../types.js";
import { withinAttempt } from "../util/attempt-wait.js";
import { authorizationHeader, type TokenSet } from "./token-set.js";

/** Gets a token; `rejected` is the access token the API just refused. */
export type TokenSource = (rejected: string | undefined, signal: AbortSignal | undefined) => Promise<TokenSet>;

function firstHeader(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/**
 * True when a 401 says the token itself is bad (expired, revoked): a Bearer
 * challenge with `error="invalid_token"`, or no error code at all (many APIs
 * send a bare 401). Other challenges (`invalid_request`, a Basic realm) are
 * not fixed by a new token.
 */
export function tokenWasRefused(headers: ResponseHeaders): boolean {
  const challenge = firstHeader(headers, "www-authenticate");
  if (challenge === undefined) return true;
  const error = /\berror\s*=\s*"?([^",\s]+)/i.exec(challenge)?.[1];
  if (error !== undefined) return error === "invalid_token";
  return /\b(bearer|dpop)\b/i.test(challenge);
}

/**
 * Middleware that sets `authorization` per attempt from a token source; on a
 * 401 that blames the token it gets a new one (refreshing once, shared with
 * every other request that hit the same 401) and sends the request once more.
 * When the source hands back the refused token (it is backing off), the 401 is returned.
 */
export function tokenAuth(getToken: TokenSource): Middleware {
  const withToken = (req: ApiRequest, tokens: TokenSet): ApiRequest => ({ ...req, headers: { ...req.headers, authorization: authorizationHeader(tokens) } });
  return trusted(async function oauthAuth(req, next) {
    // The token source may wait on a store: never longer than the attempt may last. A second send after a
    // refused token gets what is left of the attempt's time (counted from here), not the whole limit again.
    const since = Date.now();
    const { value: first, req: sending } = await withinAttempt(getToken(undefined, req.signal), req, since);
    const res = await next(withToken(sending, first));
    if (res.status !== 401 || !req.replayable || !tokenWasRefused(res.headers)) return res;
    let fresh: { value: TokenSet; req: ApiRequest };
    try {
      fresh = await withinAttempt(getToken(first.accessToken, req.signal), req, since);
    } catch (e) {
      res.body?.resume();
      throw e;
    }
    // The same token back: the source is backing off after repeated refusals, so the 401 is the answer.
    if (fresh.value.accessToken === first.accessToken) return res;
    res.body?.resume();
    return next(withToken(fresh.req, fresh.value));
  });
}
