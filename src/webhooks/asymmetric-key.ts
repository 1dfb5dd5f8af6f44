import { createPrivateKey, createPublicKey } from "node:crypto";
import { ConfigError } from "../errors.js";
import type { WebhookScheme, WebhookSecret } from "./types.js";

/** The built-in schemes whose secrets are HMAC keys. */
const HMAC_SCHEMES: ReadonlySet<string> = new Set(["stripe", "github", "slack", "twilio", "shopify", "standard"]);

const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}$/;

function parses(der: Buffer): boolean {
  try {
    createPublicKey({ key: der, format: "der", type: "spki" });
    return true;
  } catch {}
  try {
    createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    return true;
  } catch {}
  return false;
}

/**
 * A PEM key, or the base64 DER (or raw DER bytes) of a public (SPKI) or private (PKCS#8) key. DER starts
 * with a SEQUENCE (0x30, "M" in base64): anything else is not tried, so ordinary secrets cost a byte check.
 */
function isAsymmetricKey(secret: WebhookSecret): boolean {
  if (typeof secret !== "string") return secret.length > 40 && secret[0] === 0x30 && parses(Buffer.from(secret));
  const text = secret.trim();
  if (text.startsWith("-----BEGIN")) return /^-----BEGIN [A-Z ]*(PUBLIC|PRIVATE) KEY-----/.test(text);
  return text.length >= 60 && text[0] === "M" && BASE64.test(text) && parses(Buffer.from(text, "base64"));
}

/**
 * Refuses a public or private key (a SendGrid verification key, a PEM) given as the secret of an HMAC
 * scheme: a public key is not secret, so an HMAC keyed by it could be forged by anyone who has it.
 */
export function refuseKeyPairAsHmacSecret(scheme: WebhookScheme, secrets: readonly WebhookSecret[]): void {
  // Schemes that turn secrets into keys themselves (sendgrid, custom asymmetric ones) know what they take.
  if (!HMAC_SCHEMES.has(scheme.name) && scheme.key !== undefined) return;
  for (const secret of secrets) {
    if (isAsymmetricKey(secret)) {
      throw new ConfigError(
        "secret",
        `is a public/private key, not an HMAC secret: the ${scheme.name} scheme would use it as an HMAC key, which anyone holding the public key could forge (SendGrid's verification key belongs to the sendgrid scheme)`,
      );
    }
  }
}
