import { type Clock, systemClock } from "../clock.js";
import { ConfigError } from "../errors.js";
import type { Duration } from "../util/duration.js";
import { integerOption } from "../util/options.js";
import { refuseKeyPairAsHmacSecret } from "./asymmetric-key.js";
import { headerReader } from "./headers.js";
import { type RawPayload, rawBytes } from "./payload.js";
import { resolveScheme, type SchemeName } from "./schemes/index.js";
import { secretList } from "./secrets.js";
import { replayWindow } from "./timestamps.js";
import type { SchemeKey, WebhookHeaders, WebhookScheme, WebhookSecret, WebhookSecrets } from "./types.js";

/** Default size limit: larger payloads are refused before hashing. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

export interface VerifierOptions {
  /** `"stripe"`, `"github"`, `"slack"`, `"twilio"`, `"shopify"`, `"standard"`, or a scheme object such as `hmacScheme({...})`. */
  scheme: SchemeName | WebhookScheme;
  /** The signing secret; several during a rotation (any one may match). */
  secret: WebhookSecrets;
  /**
   * Replay window for schemes that sign a timestamp (default: the scheme's, 5 minutes): a positive duration.
   * `false` — and only `false` — disables it; `0` is a `ConfigError`, not "no limit".
   */
  tolerance?: Duration | false;
  /** Payloads larger than this are refused before hashing. Default 1 MiB. */
  maxBytes?: number;
  /** Parse the body (JSON or form) and return it as `event`. Default true; false verifies only. */
  parse?: boolean;
  clock?: Clock;
}

export interface VerifyWebhookOptions extends VerifierOptions {
  /** The raw body: bytes or text exactly as received. A parsed object is refused. */
  payload: RawPayload;
  headers: WebhookHeaders;
  /** The full public URL the provider called (Twilio signs it). */
  url?: string;
}

/** A delivery that verified. */
export interface VerifiedWebhook<T = unknown> {
  scheme: string;
  /** Event or delivery id (de-duplication key), when the scheme has one. */
  id: string | undefined;
  /** Event type (routing key), when the scheme has one. */
  type: string | undefined;
  /** The signed timestamp (ms), for schemes that sign one. */
  timestamp: number | undefined;
  /** The parsed body; undefined with `parse: false`. */
  event: T;
  /** The raw bytes that were verified. */
  payload: Buffer;
}

/** A verifier with its options checked once: the fast path for receivers and hot loops. */
export type Verifier = <T = unknown>(payload: RawPayload, headers: WebhookHeaders, url?: string) => VerifiedWebhook<T>;

export function createVerifier(options: VerifierOptions): Verifier {
  const scheme = resolveScheme(options.scheme);
  const secrets = secretList(options.secret);
  refuseKeyPairAsHmacSecret(scheme, secrets);
  // Text secrets become their UTF-8 bytes once (the same HMAC key): node then skips encoding the key on every call.
  const keys = (scheme.key ? secrets.map((s) => (scheme.key as (s: WebhookSecret) => SchemeKey)(s)) : secrets).map((k) =>
    typeof k === "string" ? Buffer.from(k, "utf8") : k,
  );
  if (keys.some((k) => k instanceof Uint8Array && k.length === 0))
    throw new ConfigError("secret", `does not decode to a key for the ${scheme.name} scheme (expected e.g. whsec_<base64>)`);
  // Internally 0 means "no window"; a user's 0 is refused so it can never switch the check off by accident.
  const toleranceMs =
    options.tolerance === false ? 0 : options.tolerance === undefined ? scheme.defaultToleranceMs : replayWindow(options.tolerance, "tolerance");
  const maxBytes = integerOption(options.maxBytes ?? DEFAULT_MAX_BYTES, "maxBytes");
  const parse = options.parse ?? true;
  const clock = options.clock ?? systemClock;

  return <T>(payload: RawPayload, headers: WebhookHeaders, url?: string): VerifiedWebhook<T> => {
    const bytes = rawBytes(payload, scheme.name, maxBytes);
    const header = headerReader(headers);
    // Without a replay window the time is not needed (reading the clock is not free on every machine).
    const timestamp = scheme.verify({ payload: bytes, header, secrets: keys, toleranceMs, now: toleranceMs > 0 ? clock.now() : 0, url });
    const event = parse ? scheme.parse(bytes, header) : undefined;
    const { id, type } = scheme.identify(header, event, bytes);
    // An empty id would make every such event one and the same in an inbox: report none (the receiver then keys by body hash).
    return { scheme: scheme.name, id: id === undefined || id.trim() === "" ? undefined : id, type, timestamp, event: event as T, payload: bytes };
  };
}

/**
 * Verifies a webhook delivery against its raw bytes and returns the event.
 * Throws `WebhookVerificationError` (see `reason`) when it does not verify.
 */
export function verifyWebhook<T = unknown>(options: VerifyWebhookOptions): VerifiedWebhook<T> {
  return createVerifier(options)<T>(options.payload, options.headers, options.url);
}
