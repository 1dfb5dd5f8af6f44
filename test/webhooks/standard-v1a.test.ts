import { createHmac, sign as edSign, verify as edVerify, generateKeyPairSync } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { deliverWebhook } from "../../src/testing/index.js";
import { createWebhookReceiver, generateStandardKeyPair, memoryInbox, signWebhook, verifyWebhook } from "../../src/webhooks/index.js";
import { startServer } from "../support/http-server.js";

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

/** A v1a signature made independently of ballast (node:crypto over "id.ts.body"). */
function v1a(privateKey: ReturnType<typeof rawPair>["privateKey"], body = payload) {
  return `v1a,${edSign(null, Buffer.from(`${id}.${ts}.${body}`), privateKey).toString("base64")}`;
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

describe("Standard Webhooks v1a (Ed25519)", () => {
  it("verifies a v1a signature made independently with node:crypto, given the whpk_ public key", () => {
    const { privateKey, whpk } = rawPair();
    const verified = verifyWebhook<{ type: string }>({ scheme: "standard", payload, headers: headersWith(v1a(privateKey)), secret: whpk });
    expect(verified.id).toBe(id);
    expect(verified.event.type).toBe("invoice.paid");
    expect(verified.timestamp).toBe(Number(ts) * 1000);
  });

  it("refuses a tampered body, another key's signature and a stale timestamp", () => {
    const { privateKey, whpk } = rawPair();
    const other = rawPair();
    const tampered = payload.replace("in_1", "in_2");
    expect(() => verifyWebhook({ scheme: "standard", payload: tampered, headers: headersWith(v1a(privateKey)), secret: whpk })).toThrow(
      expect.objectContaining({ reason: "signature_mismatch" }),
    );
    expect(() => verifyWebhook({ scheme: "standard", payload, headers: headersWith(v1a(other.privateKey)), secret: whpk })).toThrow(
      expect.objectContaining({ reason: "signature_mismatch" }),
    );
    const old = Math.floor(now / 1000) - 3600;
    const staleSig = `v1a,${edSign(null, Buffer.from(`${id}.${old}.${payload}`), privateKey).toString("base64")}`;
    expect(() =>
      verifyWebhook({
        scheme: "standard",
        payload,
        headers: { "webhook-id": id, "webhook-timestamp": String(old), "webhook-signature": staleSig },
        secret: whpk,
      }),
    ).toThrow(expect.objectContaining({ reason: "timestamp_out_of_tolerance" }));
  });

  it("signs with the whsk_ secret key; the signature verifies with node:crypto and with the public key", () => {
    const { publicKey, whsk, whpk } = rawPair();
    const headers = signWebhook({ scheme: "standard", payload, secret: whsk, id, timestamp: now });
    const signature = headers["webhook-signature"] as string;
    expect(signature).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(edVerify(null, Buffer.from(`${id}.${ts}.${payload}`), publicKey, Buffer.from(signature.slice(4), "base64"))).toBe(true);
    expect(verifyWebhook({ scheme: "standard", payload, headers, secret: whpk }).id).toBe(id);
  });

  it("accepts a libsodium-style 64-byte whsk_ (seed + public key)", () => {
    const { seed, pub, whpk } = rawPair();
    const long = `whsk_${Buffer.concat([seed, pub]).toString("base64")}`;
    const headers = signWebhook({ scheme: "standard", payload, secret: long, id, timestamp: now });
    expect(verifyWebhook({ scheme: "standard", payload, headers, secret: whpk }).id).toBe(id);
  });

  it("rotation: a header with v1 and v1a entries verifies with either key kind", () => {
    const { privateKey, whpk } = rawPair();
    const whsec = `whsec_${Buffer.alloc(24, 3).toString("base64")}`;
    const v1 = `v1,${createHmac("sha256", Buffer.alloc(24, 3)).update(`${id}.${ts}.${payload}`).digest("base64")}`;
    const both = headersWith(`${v1} ${v1a(privateKey)}`);
    expect(verifyWebhook({ scheme: "standard", payload, headers: both, secret: whpk }).id).toBe(id);
    expect(verifyWebhook({ scheme: "standard", payload, headers: both, secret: whsec }).id).toBe(id);
    expect(verifyWebhook({ scheme: "standard", payload, headers: both, secret: [whsec, whpk] }).id).toBe(id);
    // the standardwebhooks package (v1 only) still verifies the mixed header with the HMAC secret
    expect(new StandardWebhook(whsec).verify(payload, both)).toEqual(JSON.parse(payload));
  });

  it("says which kind of key is missing when the header only carries the other kind", () => {
    const { privateKey } = rawPair();
    const whsec = `whsec_${Buffer.alloc(24, 3).toString("base64")}`;
    expect(() => verifyWebhook({ scheme: "standard", payload, headers: headersWith(v1a(privateKey)), secret: whsec })).toThrow(/v1a.*whpk_/);
  });

  it("a public key cannot sign", () => {
    const { whpk } = rawPair();
    let error: unknown;
    try {
      signWebhook({ scheme: "standard", payload, secret: whpk, id, timestamp: now });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/whsk_/);
  });

  it("refuses malformed keys at construction, naming the option, without echoing the key", () => {
    for (const bad of ["whpk_", "whpk_AAAA", `whpk_${Buffer.alloc(33).toString("base64")}`, "whsk_AAAA", `whsk_${Buffer.alloc(48).toString("base64")}`]) {
      let error: unknown;
      try {
        verifyWebhook({ scheme: "standard", payload, headers: headersWith("v1a,AAAA"), secret: bad });
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error), bad).toBe(true);
      expect((error as { option: string }).option).toBe("secret");
      if (bad.length > 10) expect((error as Error).message).not.toContain(bad.slice(5));
    }
  });

  it("a 64-byte whsk_ whose public half does not match its seed is refused", () => {
    const a = rawPair();
    const b = rawPair();
    const mixed = `whsk_${Buffer.concat([a.seed, b.pub]).toString("base64")}`;
    expect(() => signWebhook({ scheme: "standard", payload, secret: mixed, id, timestamp: now })).toThrow(expect.objectContaining({ option: "secret" }));
  });

  it("generateStandardKeyPair() makes a whsk_/whpk_ pair that signs and verifies", () => {
    const pair = generateStandardKeyPair();
    expect(pair.secretKey).toMatch(/^whsk_/);
    expect(pair.publicKey).toMatch(/^whpk_/);
    expect(Buffer.from(pair.publicKey.slice(5), "base64")).toHaveLength(32);
    const headers = signWebhook({ scheme: "standard", payload, secret: pair.secretKey, timestamp: now });
    expect(verifyWebhook({ scheme: "standard", payload, headers, secret: pair.publicKey }).scheme).toBe("standard");
  });

  it("a receiver holding only the whpk_ public key accepts v1a deliveries over a real socket and refuses forged ones", async () => {
    const { secretKey, publicKey } = generateStandardKeyPair();
    const inbox = memoryInbox();
    const receiver = createWebhookReceiver({ scheme: "standard", secret: publicKey, inbox });
    const server = await startServer(receiver.node);
    try {
      const url = `${server.origin}/hooks`;
      const ok = await deliverWebhook({ url, scheme: "standard", secret: secretKey, payload: { type: "invoice.paid" }, id: "msg_v1a_1" });
      expect(ok.status).toBeLessThan(300);
      expect((await deliverWebhook({ url, scheme: "standard", secret: secretKey, payload: { type: "x" }, tamper: true })).status).toBe(401);
      // Someone holding only the public key cannot forge: a v1 HMAC keyed with it is refused.
      const forgedKey = `whsec_${Buffer.from(publicKey.slice(5), "base64").toString("base64")}`;
      expect((await deliverWebhook({ url, scheme: "standard", secret: forgedKey, payload: { type: "x" } })).status).toBe(401);
      expect((await inbox.list({})).map((e) => e.id)).toEqual(["msg_v1a_1"]);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
