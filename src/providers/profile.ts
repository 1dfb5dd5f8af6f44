import type { ClientOptions } from "../client/options.js";
import type { ArrayFormat } from "../client/params.js";
import type { RateLimitOptions } from "../middleware/rate-limit/rate-limit.js";
import type { RetryOptions } from "../middleware/retry/retry.js";
import type { PaginationStrategy } from "../pagination/types.js";
import type { ApiErrorReader, Middleware } from "../types.js";
import type { SchemeName } from "../webhooks/schemes/index.js";

/** Where a profile reads credentials it was not given (default `process.env`). */
export type Env = Readonly<Record<string, string | undefined>>;

export type { ApiErrorInfo, ApiErrorReader } from "../types.js";

/**
 * What a provider's API needs, as data and a few small functions. One file per
 * provider builds one of these from the user's options (credentials, API
 * version) and hands it to `providerClient`, which turns it into a `Client`.
 */
export interface ProviderProfile {
  /** `"stripe"`, `"twilio"`, ... */
  readonly name: string;
  /** The API origin. Requests use the provider's full paths (`/v1/customers`, `/2010-04-01/...`). */
  readonly baseUrl: string;
  /** Sends the credentials (bearer, basic, a header, a token exchange...). */
  readonly auth: Middleware;
  /** Headers on every request: the API version (`Stripe-Version`, `X-GitHub-Api-Version`), content negotiation. */
  readonly headers?: Readonly<Record<string, string>>;
  /** How arrays in query strings are written. */
  readonly arrayFormat?: ArrayFormat;
  /** How arrays in form bodies are written (Stripe `expand[]=a`, Twilio `MediaUrl=a&MediaUrl=b`). */
  readonly formArrayFormat?: ArrayFormat;
  /** Reads the API's error code, message and detail from error bodies into `HttpError.apiCode`/`apiMessage`/`apiDetails`. */
  readonly apiError?: ApiErrorReader;
  /** Retry settings (signals such as `Stripe-Should-Retry`, statuses the API documents as transient). */
  readonly retry?: RetryOptions;
  /** A client-side limit matching the API's documented one; the limiter also learns from the API's rate-limit headers. */
  readonly rateLimit?: RateLimitOptions;
  /** How the API's lists page: the default strategy of `client.paginate()` and `client.pages()`. */
  readonly pagination?: () => PaginationStrategy;
  /** `"auto"`: every POST carries a generated idempotency key (the same on each retry). */
  readonly idempotencyKey?: "auto";
  /** The header idempotency keys go in (default `Idempotency-Key`). */
  readonly idempotencyHeader?: string;
  /** Response headers carrying the request id, first match wins. */
  readonly requestIdHeaders?: readonly string[];
  /** The `ballast/webhooks` scheme of the provider's webhooks. */
  readonly webhookScheme?: SchemeName;
  /** Middleware the API needs after auth (e.g. Slack's `ok: false` in a 200 turned into an error). */
  readonly use?: readonly Middleware[];
}

/**
 * Options every provider function accepts besides its credentials: any
 * `createClient` option, applied on top of the profile (`baseUrl` to point at
 * a simulator or a proxy, `retry`, `rateLimit`, `store`, `use`...), and `env`
 * to read credentials from somewhere other than `process.env`.
 */
export interface ProviderClientOptions extends Partial<ClientOptions> {
  env?: Env;
}
