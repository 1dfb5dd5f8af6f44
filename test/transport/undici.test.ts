import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isConfigError, isNetworkError } from "../../src/errors.js";
import { bearer } from "../../src/middleware/auth/auth.js";
import { undiciTransport } from "../../src/transport/undici.js";

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl command line. */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "ballast-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        join(dir, "k.pem"),
        "-out",
        join(dir, "c.pem"),
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "k.pem"), "utf8"), cert: readFileSync(join(dir, "c.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let server: http2.Http2SecureServer;
let url: string;
let cert: string;
const seen: string[] = [];
beforeAll(async () => {
  const pair = selfSigned();
  cert = pair.cert;
  server = http2.createSecureServer({ ...pair, allowHTTP1: true }, (req, res) => {
    seen.push(`${req.httpVersion} ${req.headers.authorization ?? ""}`);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ httpVersion: req.httpVersion }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("undici transport over TLS", () => {
  it("speaks HTTP/2 when allowH2 is set and the server offers it, trusting a given CA", async () => {
    const c = createClient({ baseUrl: url, auth: bearer("tok"), transport: { allowH2: true, tls: { ca: cert } } });
    onTestFinished(() => c.close());
    expect(await c.get("/")).toEqual({ httpVersion: "2.0" });
    expect(seen.at(-1)).toBe("2.0 Bearer tok");
  });

  it("stays on HTTP/1.1 by default", async () => {
    const c = createClient({ baseUrl: url, transport: { tls: { ca: cert } } });
    onTestFinished(() => c.close());
    expect(await c.get("/")).toEqual({ httpVersion: "1.1" });
  });

  it("refuses an untrusted certificate with a NetworkError that is not retried", async () => {
    let retries = 0;
    const c = createClient({ baseUrl: url, retry: { onRetry: () => retries++ } });
    onTestFinished(() => c.close());
    const err = await c.get("/").catch((e: unknown) => e);
    expect(isNetworkError(err)).toBe(true);
    expect(retries).toBe(0);
    expect((err as { errno?: string }).errno).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it("tls.ca replaces the default roots (fails closed): a CA it does not list is refused; add yours to tls.rootCertificates to keep both", async () => {
    const other = selfSigned().cert;
    const pinned = createClient({ baseUrl: url, retry: false, transport: { tls: { ca: other } } });
    const err = await pinned.get("/").catch((e: unknown) => e);
    expect(isNetworkError(err)).toBe(true);
    await pinned.close();
    const both = createClient({ baseUrl: url, retry: false, transport: { tls: { ca: [...tls.rootCertificates, cert] } } });
    onTestFinished(() => both.close());
    expect(await both.get("/")).toEqual({ httpVersion: "1.1" });
  });

  it("rejects malformed transport options at construction", () => {
    for (const transport of [{ connections: 0 }, { tls: "x" }]) {
      let caught: unknown;
      try {
        createClient({ baseUrl: url, transport: transport as never });
      } catch (e) {
        caught = e;
      }
      expect(isConfigError(caught)).toBe(true);
    }
  });
});

describe("undiciTransport time options", () => {
  it("take durations; zero or garbage is a ConfigError naming the option", async () => {
    const t = undiciTransport({ keepAliveTimeout: "2s", connectTimeout: "1.5s" });
    await t.close();
    for (const [option, bad] of [
      ["connectTimeout", "0s"],
      ["keepAliveTimeout", "soon"],
    ] as const) {
      let caught: unknown;
      try {
        undiciTransport({ [option]: bad as never });
      } catch (e) {
        caught = e;
      }
      expect(caught).toMatchObject({ code: "BALLAST_CONFIG", option: `transport.${option}` });
    }
  });
});
