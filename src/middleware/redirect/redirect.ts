import { isTrusted, trusted } from "../../compose.js";
import { discardBody } from "../../response/read-body.js";
import type { ApiRequest, ApiResponse, Middleware, Next, RedirectMode, RequestHeaders } from "../../types.js";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Hops followed before the 3xx is handed back (and the call fails with it). */
export const MAX_REDIRECTS = 5;
/** Headers that carry credentials and never go to another origin (as fetch does). */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];
/** Context flag set on hops to another origin: the client's auth middleware is skipped for them. */
const CROSS_ORIGIN = "redirectedCrossOrigin";

function without(headers: RequestHeaders, names: ReadonlyArray<string>): RequestHeaders {
  const out = { ...headers };
  for (const n of names) delete out[n];
  return out;
}

/** The request for the next hop, or undefined when it cannot be followed. */
function nextHop(from: ApiRequest, status: number, location: string | undefined, idempotencyHeader: string | undefined): ApiRequest | undefined {
  if (location === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(location, from.origin + from.path);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  // 303 always becomes GET; 301/302 after POST become GET (as browsers and fetch do); 307/308 keep method and body.
  const toGet = (status === 303 && from.method !== "GET" && from.method !== "HEAD") || ((status === 301 || status === 302) && from.method === "POST");
  if (!toGet && from.body !== undefined && !from.replayable) return undefined; // a one-shot body cannot be sent again
  let headers = from.headers;
  if (toGet) headers = without(headers, idempotencyHeader ? [...BODY_HEADERS, idempotencyHeader] : BODY_HEADERS);
  const crossOrigin = from.context[CROSS_ORIGIN] === true || url.origin !== from.origin;
  if (crossOrigin) headers = without(headers, CREDENTIAL_HEADERS);
  const hop: ApiRequest = { ...from, origin: url.origin, path: url.pathname + url.search, headers, attempt: 1 };
  if (toGet) {
    hop.method = "GET";
    hop.body = undefined;
    hop.replayable = true;
    hop.idempotencyKey = undefined;
  }
  if (crossOrigin) hop.context = { ...from.context, [CROSS_ORIGIN]: true };
  return hop;
}

/**
 * Follows 301, 302, 303, 307 and 308 (up to 5 hops) when the call's redirect
 * mode (`req.context.redirect`, else the client's) is "follow". Each hop is
 * a request of its own through retry and the attempt policies, within the
 * call's deadline. Credentials (Authorization, Cookie, Proxy-Authorization
 * and the client's auth middleware) are dropped once the origin changes. A
 * redirect it does not follow (other modes, too many hops, no usable
 * Location, a one-shot body) is handed back as is.
 */
export function redirects(defaultMode: RedirectMode, idempotencyHeader?: string): Middleware {
  /** The hops after a first response that is a redirect to follow. */
  async function follow(req: ApiRequest, first: ApiResponse, next: Next): Promise<ApiResponse> {
    let res = first;
    let current = req;
    for (let hop = 1; hop <= MAX_REDIRECTS && REDIRECTS.has(res.status); hop++) {
      const location = res.headers.location;
      const following = nextHop(current, res.status, Array.isArray(location) ? location[0] : location, idempotencyHeader);
      if (following === undefined) return res;
      discardBody(res.body);
      current = following;
      res = await next(current);
    }
    return res;
  }

  // One reaction per call; the async hops only for a redirect to follow.
  return trusted(function redirect(req, next) {
    return next(req).then((res) =>
      REDIRECTS.has(res.status) && ((req.context.redirect as RedirectMode | undefined) ?? defaultMode) === "follow" ? follow(req, res, next) : res,
    );
  });
}

/** The client's auth middleware, skipped on redirect hops to another origin. */
export function withoutCrossOriginCredentials(auth: Middleware): Middleware {
  const m: Middleware = function auth_(req, next) {
    return req.context[CROSS_ORIGIN] === true ? next(req) : auth(req, next);
  };
  Object.defineProperty(m, "name", { value: auth.name || "auth" });
  return isTrusted(auth) ? trusted(m) : m;
}
