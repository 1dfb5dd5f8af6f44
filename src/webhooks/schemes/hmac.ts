import { getHashes } from "node:crypto";
import { ConfigError } from "../../errors.js";
import type { Duration } from "../../util/duration.js";
import { hmac, safeEqual } from "../digest.js";
import { malformedHeader, mismatch, missingHeader } from "../failures.js";
import { field, parseBody } from "../parse.js";
import { checkTimestamp, replayWindow } from "../timestamps.js";
import type { WebhookScheme } from "../types.js";

export interface HmacSchemeOptions {
  /** Scheme name in errors and logs. Default `"hmac"`. */
  name?: string;
  /** Header carrying the signature, e.g. `"x-signature"`. */
  header: string;
  /** Default `"sha256"`. */
  algorithm?: "sha1" | "sha256" | "sha384" | "sha512";
  /** Signature encoding. Default `"hex"`. */
  encoding?: "hex" | "base64" | "base64url";
  /** Text before the signature in the header, e.g. `"sha256="`. Default none. */
  prefix?: string;
  /** Header carrying a signed unix timestamp (seconds). Enables the replay window. */
  timestampHeader?: string;
  /** `"s"` (default) or `"ms"`: the unit of the timestamp header. */
  timestampUnit?: "s" | "ms";
  /**
   * What is signed; `{body}` must occur once, `{timestamp}` and `{id}` may.
   * Default `"{timestamp}.{body}"` with a timestamp header, else `"{body}"`.
   */
  template?: string;
  /** Header carrying the event id (used for de-duplication and `{id}`). */
  idHeader?: string;
  /** Header carrying the event type. Else the body's `type` field. */
  typeHeader?: string;
  /** Default replay window when a timestamp header is set. Default `"5m"`. */
  tolerance?: Duration;
}

/** A scheme for providers that sign with a plain HMAC over the body (plus, optionally, a timestamp and id). */
export function hmacScheme(options: HmacSchemeOptions): WebhookScheme {
  const name = options.name ?? "hmac";
  if (typeof options.header !== "string" || options.header === "") throw new ConfigError("hmac.header", "must name the signature header");
  const header = options.header.toLowerCase();
  const algorithm = options.algorithm ?? "sha256";
  if (!getHashes().includes(algorithm)) throw new ConfigError("hmac.algorithm", `is not a hash this Node supports: ${algorithm}`);
  const encoding = options.encoding ?? "hex";
  if (!["hex", "base64", "base64url"].includes(encoding)) throw new ConfigError("hmac.encoding", 'must be "hex", "base64" or "base64url"');
  const prefix = options.prefix ?? "";
  const tsHeader = options.timestampHeader?.toLowerCase();
  const tsScale = options.timestampUnit === "ms" ? 1 : 1000;
  const idHeader = options.idHeader?.toLowerCase();
  const template = options.template ?? (tsHeader ? "{timestamp}.{body}" : "{body}");
  const parts = template.split("{body}");
  if (parts.length !== 2) throw new ConfigError("hmac.template", 'must contain "{body}" exactly once');
  const [before = "", after = ""] = parts;
  const usesTs = template.includes("{timestamp}");
  const usesId = template.includes("{id}");
  if (usesTs && !tsHeader) throw new ConfigError("hmac.template", "uses {timestamp} but no timestampHeader is set");
  if (usesId && !idHeader) throw new ConfigError("hmac.template", "uses {id} but no idHeader is set");
  const fill = (text: string, ts: string, id: string) => text.replaceAll("{timestamp}", ts).replaceAll("{id}", id);
  const toleranceMs = tsHeader ? replayWindow(options.tolerance ?? "5m", "hmac.tolerance") : 0;

  return {
    name,
    defaultToleranceMs: toleranceMs,

    verify({ payload, header: read, secrets, toleranceMs: window, now }) {
      const value = read(header);
      if (value === undefined || value === "") throw missingHeader(name, header);
      if (!value.startsWith(prefix)) throw malformedHeader(name, header, `does not start with "${prefix}"`);
      const given = value.slice(prefix.length).trim();
      let ts = "";
      let timestamp: number | undefined;
      if (tsHeader) {
        ts = read(tsHeader) ?? "";
        if (ts === "") throw missingHeader(name, tsHeader);
        if (!/^\d{1,15}$/.test(ts)) throw malformedHeader(name, tsHeader, "is not a unix timestamp");
        timestamp = Number(ts) * tsScale;
      }
      let id = "";
      if (usesId) {
        id = read(idHeader as string) ?? "";
        if (id === "") throw missingHeader(name, idHeader as string);
      }
      const head = fill(before, ts, id);
      const tail = fill(after, ts, id);
      let ok = false;
      for (const secret of secrets) {
        if (safeEqual(given, hmac(algorithm, secret, encoding, payload, head, tail))) {
          ok = true;
          break;
        }
      }
      if (!ok) throw mismatch(name, payload);
      if (timestamp !== undefined) checkTimestamp(name, timestamp, now, window);
      return timestamp;
    },

    sign({ payload, secret, timestamp, id, type }) {
      const ts = String(Math.floor(timestamp / tsScale));
      const sig = hmac(algorithm, secret, encoding, payload, fill(before, ts, id), fill(after, ts, id));
      const headers: Record<string, string> = { [header]: prefix + sig, "content-type": "application/json" };
      if (tsHeader) headers[tsHeader] = ts;
      if (idHeader) headers[idHeader] = id;
      if (options.typeHeader && type !== undefined) headers[options.typeHeader.toLowerCase()] = type;
      return headers;
    },

    parse: (payload, read) => parseBody(name, payload, read),

    identify(read, event) {
      return {
        id: (idHeader ? read(idHeader) : undefined) ?? field(event, "id"),
        type: (options.typeHeader ? read(options.typeHeader.toLowerCase()) : undefined) ?? field(event, "type"),
      };
    },
  };
}
