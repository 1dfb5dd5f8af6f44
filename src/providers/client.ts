import { type Client, createClient } from "../client/create-client.js";
import type { ClientOptions } from "../client/options.js";
import type { ClientPagesOptions, ClientPaginateOptions, PagesBase, PaginateBase } from "../client/pagination-methods.js";
import type { NeedsParams, ParamsOption } from "../client/path-params.js";
import type { RetryOptions } from "../middleware/retry/retry.js";
import type { Page } from "../pagination/pages.js";
import type { AnyBody, PaginationStrategy } from "../pagination/types.js";
import type { SchemeName } from "../webhooks/schemes/index.js";
import type { ProviderClientOptions, ProviderProfile } from "./profile.js";

/** `paginate`/`pages` options where the strategy is optional: the provider's own is the default. `params` is typed by the path (`ParamsOption`). */
export type ProviderPaginateOptions<Raw, Out, T, P extends string = string> = Omit<PaginateBase<Raw, Out, T>, "strategy"> & {
  strategy?: PaginationStrategy<Raw>;
} & ParamsOption<P>;
export type ProviderPagesOptions<Item, P extends string = string> = Omit<PagesBase<Item>, "strategy"> & {
  strategy?: PaginationStrategy<Item>;
} & ParamsOption<P>;

/** Options may be left out only when the path has no placeholder to fill. */
type OptionalUnless<P extends string, O> = NeedsParams<P> extends true ? [options: O] : [options?: O];

/** A ballast `Client` for one provider: every `Client` method, with the provider's pagination as the default. */
export interface ProviderClient extends Omit<Client, "paginate" | "pages" | "extend"> {
  /** The provider's name and webhook scheme. */
  readonly provider: { readonly name: string; readonly webhookScheme: SchemeName | undefined };
  /** Items across every page, by the provider's strategy unless `strategy` is given; `params` holds the path template's placeholders. */
  paginate<Raw = AnyBody, Out = Raw, T = Out, P extends string = string>(
    path: P,
    ...options: OptionalUnless<P, ProviderPaginateOptions<Raw, Out, T, P>>
  ): AsyncGenerator<T, void, undefined>;
  /** Pages, by the provider's strategy unless `strategy` is given. */
  pages<Item = AnyBody, P extends string = string>(
    path: P,
    ...options: OptionalUnless<P, ProviderPagesOptions<Item, P>>
  ): AsyncGenerator<Page<Item>, void, undefined>;
  extend(options: Partial<ClientOptions>): ProviderClient;
}

/** The profile's settings with the user's options on top: headers and `use` merge, anything else given replaces. */
export function providerClientOptions(profile: ProviderProfile, options: ProviderClientOptions): ClientOptions {
  const { env: _env, ...user } = options;
  const merged: ClientOptions = { ...user, baseUrl: user.baseUrl ?? profile.baseUrl };
  merged.auth = user.auth ?? profile.auth;
  if (profile.headers || user.headers) merged.headers = { ...profile.headers, ...user.headers };
  if (profile.use || user.use) merged.use = [...(profile.use ?? []), ...(user.use ?? [])];
  if (user.retry === undefined && profile.retry) merged.retry = profile.retry;
  else if (typeof user.retry === "number" && profile.retry) merged.retry = { ...profile.retry, attempts: user.retry };
  else if (user.retry && profile.retry) merged.retry = { ...profile.retry, ...(user.retry as RetryOptions) };
  if (user.rateLimit === undefined && profile.rateLimit) merged.rateLimit = profile.rateLimit;
  if (user.apiError === undefined && profile.apiError) merged.apiError = profile.apiError;
  if (user.idempotencyKey === undefined && profile.idempotencyKey) merged.idempotencyKey = profile.idempotencyKey;
  if (user.arrayFormat === undefined && profile.arrayFormat) merged.arrayFormat = profile.arrayFormat;
  if (user.formArrayFormat === undefined && profile.formArrayFormat) merged.formArrayFormat = profile.formArrayFormat;
  if (user.idempotencyHeader === undefined && profile.idempotencyHeader) merged.idempotencyHeader = profile.idempotencyHeader;
  if (user.requestIdHeaders === undefined && profile.requestIdHeaders) merged.requestIdHeaders = profile.requestIdHeaders;
  return merged;
}

/** Builds the `Client` of a provider profile, every `createClient` option in `options` applying on top. */
export function providerClient(profile: ProviderProfile, options: ProviderClientOptions = {}): ProviderClient {
  return wrap(createClient(providerClientOptions(profile, options)), profile);
}

function wrap(client: Client, profile: ProviderProfile): ProviderClient {
  const strategy = profile.pagination;
  // Without a strategy of its own or the caller's, the client's check reports the missing option.
  const withStrategy = (options: { strategy?: unknown } | undefined): unknown =>
    options?.strategy || !strategy ? (options ?? {}) : { ...options, strategy: strategy() };
  return {
    ...client,
    provider: { name: profile.name, webhookScheme: profile.webhookScheme },
    paginate: (path: string, options?: { strategy?: unknown }) => client.paginate(path, withStrategy(options) as ClientPaginateOptions<never, never, never>),
    pages: (path: string, options?: { strategy?: unknown }) => client.pages(path, withStrategy(options) as ClientPagesOptions<never>),
    extend: (more) => wrap(client.extend(more), profile),
  } as ProviderClient;
}
