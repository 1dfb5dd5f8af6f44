import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ConfigError } from "../errors.js";
import { TokenDecryptionError } from "./errors.js";

/**
 * Keys for encrypting tokens at rest. `current` encrypts every write; every
 * key in `keys` can decrypt, so rotating is: add the new key, make it
 * current, keep the old one until all records were rewritten.
 */
export interface EncryptionOptions {
  /**
   * Key id → 32 random bytes: a `Uint8Array`, or their base64url (43 chars, what `generateEncryptionKey()`
   * returns) or base64 (44 chars) text. A passphrase is refused, even one that happens to decode to 32 bytes.
   */
  keys: Record<string, Uint8Array | string>;
  /** The key id that encrypts new writes. */
  current: string;
}

/** AES-256-GCM with the key id in each ciphertext. */
export interface TokenCipher {
  readonly currentKeyId: string;
  /** `context` is bound as additional data: a ciphertext only decrypts under the same context (the connection id). */
  encrypt(plaintext: string, context: string): string;
  decrypt(ciphertext: string, context: string): string;
  /** The key id a ciphertext names, or undefined when it is not one of ours. */
  keyIdOf(ciphertext: string): string | undefined;
}

const PREFIX = "bt1";
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

const HOW_TO_GENERATE = "make one with generateEncryptionKey() or `node -e \"console.log(crypto.randomBytes(32).toString('base64url'))\"`";

/** 32 bytes as base64url (43 chars, optionally padded) or base64 (44 chars with "="). */
const ENCODED_KEY: ReadonlyArray<[RegExp, BufferEncoding]> = [
  [/^[A-Za-z0-9_-]{43}=?$/, "base64url"],
  [/^[A-Za-z0-9+/]{43}=$/, "base64"],
];

function decodeKey(text: string, option: string): Buffer {
  const encoding = ENCODED_KEY.find(([shape]) => shape.test(text))?.[1];
  // Random bytes in base64 have both cases with overwhelming probability (a miss is about 1 in 10^9); a passphrase rarely does.
  if (encoding === undefined || !/[A-Z]/.test(text) || !/[a-z]/.test(text))
    throw new ConfigError(option, `must be 32 bytes of random key (a Uint8Array, or their base64url/base64 text), not a passphrase; ${HOW_TO_GENERATE}`);
  return Buffer.from(text, encoding);
}

function toKey(value: Uint8Array | string, option: string): Buffer {
  let bytes: Buffer;
  if (typeof value === "string") bytes = decodeKey(value, option);
  else if (value instanceof Uint8Array) bytes = Buffer.from(value);
  else throw new ConfigError(option, `must be 32 bytes (Uint8Array) or their base64url text; ${HOW_TO_GENERATE}`);
  if (bytes.length !== 32) throw new ConfigError(option, `must be 32 bytes for AES-256-GCM; got ${bytes.length} bytes; ${HOW_TO_GENERATE}`);
  return bytes;
}

/** Validates the options once and returns the cipher. Throws `ConfigError` naming the option. */
export function tokenCipher(options: EncryptionOptions | undefined, optionName = "encryption"): TokenCipher {
  if (options === undefined || typeof options !== "object")
    throw new ConfigError(optionName, "is required: { keys: { <keyId>: <32-byte key> }, current: <keyId> } (tokens are always encrypted at rest)");
  const keys = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(options.keys ?? {})) {
    if (!KEY_ID.test(id)) throw new ConfigError(`${optionName}.keys`, `key id "${id}" must match ${KEY_ID}`);
    keys.set(id, toKey(value, `${optionName}.keys.${id}`));
  }
  if (keys.size === 0) throw new ConfigError(`${optionName}.keys`, "must hold at least one key");
  const currentKey = keys.get(options.current);
  if (currentKey === undefined) throw new ConfigError(`${optionName}.current`, `must name a key in ${optionName}.keys; got ${JSON.stringify(options.current)}`);
  const current = options.current;

  return {
    currentKeyId: current,
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", currentKey, iv);
      cipher.setAAD(Buffer.from(`${current}\n${context}`));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `${PREFIX}.${current}.${iv.toString("base64url")}.${Buffer.concat([body, tag]).toString("base64url")}`;
    },
    decrypt(ciphertext, context) {
      const parts = ciphertext.split(".");
      if (parts.length !== 4 || parts[0] !== PREFIX) throw new TokenDecryptionError("malformed");
      const [, kid, ivText, bodyText] = parts as [string, string, string, string];
      const key = keys.get(kid);
      if (key === undefined) throw new TokenDecryptionError("unknown_key", kid);
      const iv = Buffer.from(ivText, "base64url");
      const sealed = Buffer.from(bodyText, "base64url");
      if (iv.length !== 12 || sealed.length < 16) throw new TokenDecryptionError("malformed");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv);
        decipher.setAAD(Buffer.from(`${kid}\n${context}`));
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8");
      } catch {
        throw new TokenDecryptionError("wrong_key_or_tampered", kid);
      }
    },
    keyIdOf(ciphertext) {
      const parts = ciphertext.split(".");
      return parts.length === 4 && parts[0] === PREFIX ? parts[1] : undefined;
    },
  };
}

/** A random key for `encryption.keys` (32 bytes, base64url). For `memoryTokenStore` and for generating keys. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString("base64url");
}
