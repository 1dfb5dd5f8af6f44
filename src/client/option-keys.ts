/**
 * Option names checked against what ballast knows, so that a habit from
 * axios, ky or got (`baseURL`, `data`, `searchParams`, `retries`) is an error
 * that says what to write instead of an option silently ignored.
 */
import { ConfigError } from "../errors.js";
import type { RetryOptions } from "../middleware/retry/retry.js";

type Known<T> = Readonly<Record<keyof T, true>>;

/**
 * Every option `createClient` takes, and every option of a call. They name
 * exactly the keys of `ClientOptions` and `RequestOptions`, which
 * test/client/types/option-keys.check.ts checks at compile time (options.ts
 * imports this file, so it does not import options.ts back).
 */
export const CLIENT_OPTIONS = {
  baseUrl: true,
  auth: true,
  headers: true,
  timeout: true,
  retry: true,
  store: true,
  clock: true,
  transport: true,
  use: true,
  logger: true,
  maxResponseBytes: true,
  idempotencyHeader: true,
  idempotencyKey: true,
  redirect: true,
  apiError: true,
  arrayFormat: true,
  formArrayFormat: true,
  requestIdHeaders: true,
  allowedOrigins: true,
  health: true,
  rateLimit: true,
  circuitBreaker: true,
  concurrency: true,
  cache: true,
  dedupe: true,
} as const;

export const REQUEST_OPTIONS = {
  method: true,
  path: true,
  params: true,
  query: true,
  headers: true,
  cookies: true,
  signal: true,
  schema: true,
  transform: true,
  idempotencyKey: true,
  retry: true,
  redirect: true,
  responseType: true,
  timeout: true,
  context: true,
  maxResponseBytes: true,
  json: true,
  form: true,
  multipart: true,
  body: true,
} as const;

/** The name of a call option. */
export type RequestOptionName = keyof typeof REQUEST_OPTIONS;

/** What to write instead, for names other HTTP clients use. */
const SHARED_HINTS: Readonly<Record<string, string>> = {
  retries: "write retry: { attempts: 4 } (tries in all, the first included; retry: 4 is the same)",
  maxRedirects: 'write redirect: "follow" (up to 5 hops), "error" or "manual"',
  followRedirect: 'write redirect: "follow", "error" or "manual"',
  validateStatus: "a non-2xx answer is an HttpError; client.raw() returns any status as it is",
  throwHttpErrors: "a non-2xx answer is an HttpError; client.raw() returns any status as it is",
  hooks: "ballast's hooks are middleware: createClient({ use: [(req, next) => next(req)] })",
  onRetry: "write retry: { onRetry } on the client",
};

const CLIENT_HINTS: Readonly<Record<string, string>> = {
  ...SHARED_HINTS,
  baseURL: "is axios's name: write baseUrl",
  prefixUrl: "is ky's name: write baseUrl",
  url: "write baseUrl",
  params: "query parameters are per call: client.get(path, { query })",
  searchParams: "query parameters are per call: client.get(path, { query })",
  httpAgent: "write transport: { connections, keepAliveTimeout, ... } or transport: { dispatcher }",
  httpsAgent: "write transport: { tls: { ca, cert, key }, ... } or transport: { dispatcher }",
  agent: "write transport: { dispatcher }",
  dispatcher: "write transport: { dispatcher }",
  proxy: "write transport: { dispatcher: new ProxyAgent(url) } (undici)",
  responseType: "is per call: client.get(path, { responseType })",
  rateLimiter: "write rateLimit: { limits: [{ requests, per }] }",
  breaker: "write circuitBreaker: { failureRate, minimumRequests }",
};

const CALL_HINTS: Readonly<Record<string, string>> = {
  ...SHARED_HINTS,
  data: "is axios's body: write json: (sent as JSON) or form: (URL-encoded)",
  searchParams: "write query: { name: value }",
  url: "the path is the first argument: client.get(path), or client.request({ path })",
  baseURL: "per call, give an absolute URL on an allowed origin as the path, or use client.extend({ baseUrl })",
  baseUrl: "per call, give an absolute URL on an allowed origin as the path, or use client.extend({ baseUrl })",
  prefixUrl: "per call, give an absolute URL on an allowed origin as the path, or use client.extend({ baseUrl })",
  auth: "credentials belong to the client: client.extend({ auth })",
  responseEncoding: 'write responseType: "text" (bodies are decoded as UTF-8)',
};

/** Options a verb method (`get`, `post`, ...) takes: method and path come from the call. */
const VERB_HINTS: Readonly<Record<string, string>> = {
  ...CALL_HINTS,
  method: "is the verb's: client.get() sends GET; use client.request({ method, path }) for another",
  path: "is the first argument: client.get(path, options)",
};

const known = (o: object): ReadonlySet<string> => new Set(Object.keys(o));
const CLIENT_KEYS = known(CLIENT_OPTIONS);
const REQUEST_KEYS = known(REQUEST_OPTIONS);
const VERB_KEYS = known(Object.fromEntries(Object.entries(REQUEST_OPTIONS).filter(([k]) => k !== "method" && k !== "path")));

/** Levenshtein distance, for "did you mean": only on the error path. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] as number;
}

function hintFor(key: string, keys: ReadonlySet<string>, hints: Readonly<Record<string, string>>): string {
  const hint = hints[key];
  if (hint !== undefined) return hint;
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of keys) {
    const d = k.toLowerCase() === lower ? 0 : distance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined ? `did you mean ${best}?` : `the options are ${[...keys].join(", ")}`;
}

/**
 * Throws a ConfigError for the first key of `options` that is not in `keys`
 * (a key whose value is undefined is let through). Allocates nothing when
 * every key is known: it runs on every call.
 */
function checkKeys(options: object, keys: ReadonlySet<string>, hints: Readonly<Record<string, string>>, what: string): void {
  for (const key in options) {
    if (keys.has(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    throw new ConfigError(key, `is not an option of ${what}: ${hintFor(key, keys, hints)}`);
  }
}

export const checkClientKeys = (options: object): void => checkKeys(options, CLIENT_KEYS, CLIENT_HINTS, "createClient");
export const checkRequestKeys = (options: object): void => checkKeys(options, REQUEST_KEYS, CALL_HINTS, "a call");
export const checkVerbKeys = (options: object): void => checkKeys(options, VERB_KEYS, VERB_HINTS, "a call");

/** Checks the options of a method that takes `extra` keys of its own (paginate, pages, sse) besides some request options. */
export function callKeyChecker(what: string, requestKeys: ReadonlyArray<RequestOptionName>, extra: ReadonlyArray<string>): (options: object) => void {
  const keys = new Set<string>([...requestKeys, ...extra]);
  const hints: Record<string, string> = { ...VERB_HINTS };
  for (const k of REQUEST_KEYS) if (!keys.has(k) && hints[k] === undefined) hints[k] = `is not taken by ${what}`;
  return (options) => checkKeys(options, keys, hints, what);
}

/** The request options every call takes, for `callKeyChecker`. */
export const REQUEST_OPTION_NAMES = Object.keys(REQUEST_OPTIONS) as ReadonlyArray<RequestOptionName>;

const RETRY_HINTS: Readonly<Record<string, string>> = {
  limit: "ky and got count retries, ballast counts tries: limit: 2 is attempts: 3 (the first included)",
  retries: "ballast counts tries: retries: 2 is attempts: 3 (the first included)",
  maxRetries: "ballast counts tries: maxRetries: 2 is attempts: 3 (the first included)",
  retryDelay: "write backoff: { base, cap, factor } (ms) or a function (attempt) => ms",
  delay: "write backoff: { base, cap, factor } (ms) or a function (attempt) => ms",
  calculateDelay: "write backoff: a function (attempt) => ms",
  backoffLimit: "write backoff: { cap } (ms)",
  statusCodes: "write statuses: [429, 503]",
  retryCondition: "write shouldRetry: ({ attempt, response, error }) => boolean | undefined",
};

const RETRY_OPTIONS = {
  attempts: true,
  methods: true,
  statuses: true,
  backoff: true,
  maxRetryAfter: true,
  shouldRetryHeaders: true,
  budget: true,
  onRetry: true,
  shouldRetry: true,
  clock: true,
} as const satisfies Known<RetryOptions>;
const RETRY_OPTION_NAMES = known(RETRY_OPTIONS);
const CALL_RETRY_KEYS: ReadonlySet<string> = new Set(["attempts"]);
const CALL_RETRY_HINTS: Record<string, string> = { ...RETRY_HINTS };
for (const k of RETRY_OPTION_NAMES) if (k !== "attempts") CALL_RETRY_HINTS[k] ??= "is set on the client; a call may change attempts only";

export const checkRetryKeys = (retry: object): void => checkNested(retry, RETRY_OPTION_NAMES, RETRY_HINTS, "retry");
export const checkCallRetryKeys = (retry: object): void => checkNested(retry, CALL_RETRY_KEYS, CALL_RETRY_HINTS, "retry");

const TIMEOUT_KEYS: ReadonlySet<string> = new Set(["attempt", "total"]);
const TIMEOUT_HINTS: Readonly<Record<string, string>> = {
  request: "write total: the whole call, retries and waits included (ms)",
  response: "write attempt: each try, until its body is read (ms)",
  read: "write attempt: each try, until its body is read (ms)",
  socket: "write attempt: each try, until its body is read (ms)",
  idle: "write attempt: each try, until its body is read (ms)",
  connect: "write transport: { connectTimeout } on the client",
  lookup: "write transport: { connectTimeout } on the client",
};
export const checkTimeoutKeys = (timeout: object): void => checkNested(timeout, TIMEOUT_KEYS, TIMEOUT_HINTS, "timeout");

function checkNested(options: object, keys: ReadonlySet<string>, hints: Readonly<Record<string, string>>, prefix: string): void {
  for (const key in options) {
    if (keys.has(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    throw new ConfigError(`${prefix}.${key}`, `is not an option of ${prefix}: ${hintFor(key, keys, hints)}`);
  }
}
