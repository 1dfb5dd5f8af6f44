import type { KeyObject } from "node:crypto";

/** A signing secret: text, or raw key bytes. */
export type WebhookSecret = string | Uint8Array;

/** What a scheme signs and verifies with: HMAC key bytes or text, or an asymmetric key (Standard Webhooks `whpk_`/`whsk_`). */
export type SchemeKey = WebhookSecret | KeyObject;

/** One secret, or several while a secret is being rotated (any one may match). */
export type WebhookSecrets = WebhookSecret | readonly WebhookSecret[];

/**
 * Request headers as any framework gives them: a fetch `Headers`, node's
 * `IncomingHttpHeaders`, or a plain record (any case).
 */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Reads one header by its lower-case name. */
export type HeaderReader = (name: string) => string | undefined;

/** What a scheme needs to check one delivery. */
export interface SchemeVerifyInput {
  /** The raw body bytes, exactly as received. */
  payload: Buffer;
  header: HeaderReader;
  secrets: readonly SchemeKey[];
  /** Replay window in ms; 0 disables the timestamp check. */
  toleranceMs: number;
  /** Current time, ms since the epoch. */
  now: number;
  /** The full URL the provider requested (Twilio signs it). */
  url: string | undefined;
}

/** What a scheme needs to sign one delivery. */
export interface SchemeSignInput {
  payload: Buffer;
  secret: SchemeKey;
  /** Signing time, ms since the epoch. */
  timestamp: number;
  /** The event/delivery id, for schemes that put it in a header. */
  id: string;
  /** The event type, for schemes that put it in a header. */
  type: string | undefined;
  url: string | undefined;
}

/** An event's identity as a scheme finds it in headers or body. */
export interface EventIdentity {
  id: string | undefined;
  type: string | undefined;
}

/**
 * One provider's signing scheme. Built-in ones are named by string
 * (`"stripe"`); `hmacScheme({...})` builds a custom one.
 */
export interface WebhookScheme {
  readonly name: string;
  /** Default replay window in ms; 0 when the scheme signs no timestamp. */
  readonly defaultToleranceMs: number;
  /**
   * Turns a configured secret into the key, once per verifier (Standard
   * Webhooks decodes `whsec_<base64>` to HMAC bytes and `whpk_`/`whsk_` to
   * Ed25519 keys). Default: the secret as given.
   */
  key?(secret: WebhookSecret): SchemeKey;
  /** Throws `WebhookVerificationError`; returns the signed timestamp (ms) if the scheme has one. `secrets` are keys (see `key`). */
  verify(input: SchemeVerifyInput): number | undefined;
  /** Headers that make a delivery of `payload` verify. */
  sign(input: SchemeSignInput): Record<string, string>;
  /**
   * The media types the provider sends (lower case, no parameters). A
   * receiver answers 415 to others; undefined accepts any (custom HMAC
   * senders vary: SNS-style senders post JSON as `text/plain`).
   */
  readonly contentTypes?: readonly string[];
  /** Parses the verified body (JSON or form, per content type). */
  parse(payload: Buffer, header: HeaderReader): unknown;
  /**
   * A verified delivery that checks the endpoint rather than carrying an
   * event (Slack's `url_verification`): the JSON body to answer with, at once
   * and without storing anything. Undefined for ordinary events.
   */
  handshake?(event: unknown): Record<string, unknown> | undefined;
  /** The event id (for de-duplication) and type (for routing). `event` is undefined when not parsed. */
  identify(header: HeaderReader, event: unknown, payload: Buffer): EventIdentity;
}
