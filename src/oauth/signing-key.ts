import { createPrivateKey, KeyObject } from "node:crypto";
import { importJWK, importPKCS8, type JWK } from "jose";
import { ConfigError } from "../errors.js";

/** JWS algorithms accepted for signing client assertions and app JWTs. */
export type SigningAlgorithm = "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512" | "EdDSA";

/** A private key: a PKCS#8 PEM string, a JWK, a node `KeyObject` or a WebCrypto `CryptoKey`. */
export type PrivateKeyInput = string | JWK | KeyObject | CryptoKey;

const ALGORITHMS = new Set<string>(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]);

export function checkAlgorithm(alg: unknown, option: string): asserts alg is SigningAlgorithm {
  if (typeof alg !== "string" || !ALGORITHMS.has(alg))
    throw new ConfigError(option, `must be one of ${[...ALGORITHMS].join(", ")}; got ${JSON.stringify(alg)}`);
}

/** Imports a private key once, as a non-extractable CryptoKey for `alg`. */
export async function importSigningKey(input: PrivateKeyInput, alg: SigningAlgorithm, option: string): Promise<CryptoKey> {
  try {
    if (typeof input === "string") {
      // PKCS#1 "RSA PRIVATE KEY" PEMs go through KeyObject to PKCS#8.
      const pem = input.includes("BEGIN RSA PRIVATE KEY") || input.includes("BEGIN EC PRIVATE KEY") ? toPkcs8(input) : input;
      return await importPKCS8(pem, alg);
    }
    if (input instanceof KeyObject) {
      if (input.type !== "private") throw new Error("not a private key");
      return await importPKCS8(input.export({ format: "pem", type: "pkcs8" }).toString(), alg);
    }
    if (typeof CryptoKey !== "undefined" && input instanceof CryptoKey) {
      if (input.type !== "private") throw new Error("not a private key");
      return input;
    }
    if (typeof input === "object" && input !== null && "kty" in input) {
      const key = await importJWK(input, alg);
      if (key instanceof Uint8Array) throw new Error("a symmetric JWK is not a private key");
      return key;
    }
  } catch (e) {
    // The key material itself never goes into the message.
    throw new ConfigError(option, `must be a private key usable with ${alg} (PKCS#8 PEM, JWK, KeyObject or CryptoKey): ${(e as Error).message.split("\n")[0]}`);
  }
  throw new ConfigError(option, "must be a private key (PKCS#8 PEM, JWK, KeyObject or CryptoKey)");
}

function toPkcs8(pem: string): string {
  return createPrivateKey(pem).export({ format: "pem", type: "pkcs8" }).toString();
}
