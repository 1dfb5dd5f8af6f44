import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from "node:crypto";
import { ConfigError } from "../../errors.js";
import type { SchemeKey, WebhookSecret } from "../types.js";

/**
 * Standard Webhooks keys are typed by their prefix: `whsec_` is a shared HMAC
 * secret (signs and verifies `v1`), `whpk_` an Ed25519 public key (verifies
 * `v1a` only), `whsk_` an Ed25519 secret key (signs `v1a`). A public key must
 * never become an HMAC key: whoever holds it could then forge `v1` signatures.
 */
const PUBLIC = "whpk_";
const SECRET = "whsk_";
const HMAC = "whsec_";

// PKCS#8 DER header of an Ed25519 private key (RFC 8410): the 32-byte seed follows.
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

function decode(text: string, prefix: string): Buffer {
  const body = text.slice(prefix.length);
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(body)) throw new ConfigError("secret", `is not ${prefix}<base64>`);
  return Buffer.from(body, "base64");
}

function ed25519Public(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
}

function ed25519Private(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: "jwk" }).x as string, "base64url");
}

/** `whsk_`: a 32-byte seed, or libsodium's 64 bytes (seed, then the public key, which must match). */
function secretKey(text: string): KeyObject {
  const raw = decode(text, SECRET);
  if (raw.length !== 32 && raw.length !== 64)
    throw new ConfigError("secret", `a ${SECRET} Ed25519 secret key must decode to 32 or 64 bytes; got ${raw.length}`);
  const key = ed25519Private(raw.subarray(0, 32));
  if (raw.length === 64 && !rawPublic(key).equals(raw.subarray(32))) {
    throw new ConfigError("secret", `the ${SECRET} key's last 32 bytes are not the public key of its seed`);
  }
  return key;
}

/**
 * The key a Standard Webhooks secret stands for: an Ed25519 `KeyObject` for
 * `whpk_`/`whsk_`, else HMAC key bytes (`whsec_<base64>`, the prefix optional,
 * or raw bytes).
 */
export function standardKey(secret: WebhookSecret): SchemeKey {
  if (typeof secret !== "string") return hmacKey(Buffer.from(secret));
  if (secret.startsWith(PUBLIC)) {
    const raw = decode(secret, PUBLIC);
    if (raw.length !== 32) throw new ConfigError("secret", `a ${PUBLIC} Ed25519 public key must decode to 32 bytes; got ${raw.length}`);
    return ed25519Public(raw);
  }
  if (secret.startsWith(SECRET)) return secretKey(secret);
  return hmacKey(decode(secret.startsWith(HMAC) ? secret : HMAC + secret, HMAC));
}

/** Standard Webhooks secrets are 24 to 64 random bytes; under 16 a signature can be forged by guessing the key. */
const MIN_HMAC_KEY_BYTES = 16;

function hmacKey(raw: Buffer): Buffer {
  if (raw.length < MIN_HMAC_KEY_BYTES)
    throw new ConfigError(
      "secret",
      `a ${HMAC} secret must decode to at least ${MIN_HMAC_KEY_BYTES} bytes of key; got ${raw.length} (generate one with \`"${HMAC}" + randomBytes(32).toString("base64")\`)`,
    );
  return raw;
}

/** True for an Ed25519 key (public or secret): it checks `v1a` signatures and never HMACs. */
export function isAsymmetric(key: SchemeKey): key is KeyObject {
  return key instanceof KeyObject && key.type !== "secret";
}

export interface StandardKeyPair {
  /** `whsk_<base64 seed>`: keep it with the sender. */
  secretKey: string;
  /** `whpk_<base64>`: give it to receivers; it verifies `v1a` and cannot sign. */
  publicKey: string;
}

/** A new Ed25519 key pair for Standard Webhooks `v1a` signatures. */
export function generateStandardKeyPair(): StandardKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d as string, "base64url");
  return { secretKey: `${SECRET}${seed.toString("base64")}`, publicKey: `${PUBLIC}${rawPublic(publicKey).toString("base64")}` };
}
