import { type ApiError, ConfigError, describeRequest, isApiError, NetworkError } from "../errors.js";
import type { ApiRequest } from "../types.js";
import { abortError } from "../util/abort.js";

/** System and undici error codes raised before any byte of the request could reach the server. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);

/** Undici and Node codes for a request that cannot be built (CR/LF or other invalid characters in a header, path or token). */
const INVALID_REQUEST = new Set(["UND_ERR_INVALID_ARG", "ERR_INVALID_HTTP_TOKEN", "ERR_INVALID_CHAR", "ERR_UNESCAPED_CHARACTERS"]);

/** Certificate failures: retrying cannot fix them. */
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/** True for a network error that will fail the same way on every retry (a bad certificate). */
export function isPermanentNetworkError(errno: string | undefined): boolean {
  return errno !== undefined && CERTIFICATE.test(errno);
}

function isUndiciTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
}

function errnoOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET" && !code.startsWith("BALLAST_")) return code;
    if (code === "UND_ERR_SOCKET") return "ECONNRESET";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps whatever a transport threw to a ballast error: the abort reason when the
 * request's signal fired (a `TimeoutError` from the timeout middleware, or the
 * caller's reason wrapped in `AbortError`), else a `NetworkError` with the
 * system error code.
 */
export function toTransportError(err: unknown, req: ApiRequest): ApiError {
  if (req.timeout !== undefined && isUndiciTimeout(err)) {
    const expired = req.timeout.expired();
    return isApiError(expired) ? expired : new NetworkError(String(expired), { request: describeRequest(req), cause: err });
  }
  if (req.signal?.aborted) {
    return abortError(req.signal.reason, req, err);
  }
  if (isApiError(err)) return err;
  const errno = errnoOf(err);
  if (errno !== undefined && INVALID_REQUEST.has(errno)) {
    // The request never left: a header, path or token value the HTTP client refuses. Retrying cannot fix it.
    return new ConfigError(
      "request",
      `has a value the HTTP client refuses (${errno}: ${err instanceof Error ? err.message : String(err)}) for ${req.method} ${describeRequest(req).url}`,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new NetworkError(`network error${errno ? ` ${errno}` : ""}: ${message}`, {
    request: describeRequest(req),
    cause: err,
    errno,
    sent: errno === undefined || !NOT_SENT.has(errno),
  });
}
