import { createHmac, generateKeyPairSync } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifyWebhook } from "../../src/webhooks/index.js";

const payload = '{"type":"invoice.paid","data":{"id":"in_1"}}';
const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
const now = Date.now();
const ts = String(Math.floor(now / 1000));

/** A raw Ed25519 pair as Standard Webhooks writes it: `whpk_<base64 32 bytes>`, `whsk_<base64 32-byte seed>`. */
function rawPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d as string, "base64url");
  return { privateKey, publicKey, pub, seed, whpk: `whpk_${pub.toString("base64")}`, whsk: `whsk_${seed.toString("base64")}` };
}

function headersWith(signature: string) {
  return { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": signature };
}

describe("Standard Webhooks: a public key is never an HMAC key", () => {
  it("refuses a v1 HMAC made with the whpk_ public key's bytes (anyone holding the public key could forge it)", () => {
    const { whpk, pub } = rawPair();
    // The forgery: treat the public key as if it were a whsec_ secret.
    const forged = `v1,${createHmac("sha256", pub).update(`${id}.${ts}.${payload}`).digest("base64")}`;
    const attempt = () => verifyWebhook({ scheme: "standard", payload, headers: headersWith(forged), secret: whpk });
    expect(attempt).toThrow(expect.objectContaining({ reason: "signature_mismatch" }));
  });

  it("refuses a v1 HMAC keyed with the whpk_ string decoded as base64 (what a scheme that ignores the prefix would accept)", () => {
    const { whpk } = rawPair();
    const key = Buffer.from(whpk, "base64");
    const forged = `v1,${createHmac("sha256", key).update(`${id}.${ts}.${payload}`).digest("base64")}`;
    expect(() => verifyWebhook({ scheme: "standard", payload, headers: headersWith(forged), secret: whpk })).toThrow(
      expect.objectContaining({ reason: "signature_mismatch" }),
    );
  });

  it("refuses the same forgery made with the standardwebhooks package given the public key as a secret", () => {
    const { pub, whpk } = rawPair();
    const forger = new StandardWebhook(`whsec_${pub.toString("base64")}`);
    const signature = forger.sign(id, new Date(Number(ts) * 1000), payload);
    expect(() => verifyWebhook({ scheme: "standard", payload, headers: headersWith(signature), secret: whpk })).toThrow(
      expect.objectContaining({ reason: "signature_mismatch" }),
    );
  });

  it("a whsk_ secret key does not verify v1 HMACs made with its bytes either", () => {
    const { whsk, seed } = rawPair();
    const forged = `v1,${createHmac("sha256", seed).update(`${id}.${ts}.${payload}`).digest("base64")}`;
    expect(() => verifyWebhook({ scheme: "standard", payload, headers: headersWith(forged), secret: whsk })).toThrow(
      expect.objectContaining({ reason: "signature_mismatch" }),
    );
  });

  it("a whsec_ secret does not verify a v1a entry, even one whose bytes are an HMAC", () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const mac = createHmac("sha256", Buffer.alloc(32, 7)).update(`${id}.${ts}.${payload}`).digest("base64");
    expect(() => verifyWebhook({ scheme: "standard", payload, headers: headersWith(`v1a,${mac}`), secret })).toThrow(
      expect.objectContaining({ reason: "signature_mismatch" }),
    );
  });
});
