import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../src/client/create-client.js";
import {
  AbortError,
  type ApiError,
  CircuitOpenError,
  HttpError,
  isAbortError,
  isApiError,
  isCircuitOpenError,
  isHttpError,
  isNetworkError,
  isParseError,
  isRateLimitError,
  isRateLimited,
  isServerError,
  isStoreError,
  isTimeoutError,
  isUnauthorized,
  isValidationError,
  NetworkError,
  ParseError,
  RateLimitError,
  StoreError,
  TimeoutError,
  ValidationError,
} from "../src/errors.js";
import { apiKey, basic, bearer } from "../src/middleware/auth/auth.js";
import { redactUrl } from "../src/redact.js";
import { useSimulator } from "./support/simulator.js";

const env = useSimulator();

const SECRET = "sk_live_51SuperSecretValue";

function everythingPrinted(err: unknown): string {
  const e = err as Error;
  return [e.message, e.stack, JSON.stringify(err), inspect(err, { depth: 10 }), String(err)].join("\n");
}

describe("no secret in any error output", () => {
  it.each([
    ["bearer", { auth: bearer(SECRET) }],
    ["basic", { auth: basic({ username: "acct", password: SECRET }) }],
    ["api key header", { auth: apiKey({ header: "x-api-key", value: SECRET }) }],
    ["api key query", { auth: apiKey({ query: "api_key", value: SECRET }) }],
    ["cookie header", { headers: { cookie: `session=${SECRET}` } }],
  ])("%s: HttpError message, stack, toJSON and inspect carry no credential", async (_name, extra) => {
    env.sim.route("GET", "/denied", { status: 401, json: { error: "unauthorized" }, headers: { "set-cookie": `s=${SECRET}` } });
    const client = createClient({ baseUrl: env.sim.url, ...extra });
    onTestFinished(() => client.close());
    const err = await client.get("/denied", { query: { token: SECRET } }).catch((e: unknown) => e);
    expect(isHttpError(err)).toBe(true);
    expect(isUnauthorized(err)).toBe(true);
    expect(everythingPrinted(err)).not.toContain(SECRET);
  });

  it("a network error carries no credential either", async () => {
    const client = createClient({ baseUrl: "http://127.0.0.1:1", auth: apiKey({ query: "key", value: SECRET }), retry: false });
    onTestFinished(() => client.close());
    const err = await client.get("/x").catch((e: unknown) => e);
    expect(isNetworkError(err)).toBe(true);
    expect(everythingPrinted(err)).not.toContain(SECRET);
  });

  it("URL redaction removes userinfo and credential-like query values, for any value", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6 }).filter((s) => !/[&#=]/.test(s) && s.trim() === s),
        (value) => {
          const v = encodeURIComponent(value);
          const out = redactUrl(`https://u:${v}@api.test/p?access_token=${v}&client_secret=${v}&page=2`);
          expect(out).not.toContain(`:${v}@`);
          expect(out).toContain("access_token=[REDACTED]");
          expect(out).toContain("client_secret=[REDACTED]");
          expect(out).toContain("page=2");
        },
      ),
    );
  });
});

describe("error classes", () => {
  const req = { method: "GET", url: "https://api.test/x" };
  const all: Array<[ApiError, string, (e: unknown) => boolean]> = [
    [new HttpError({ request: req, status: 500, headers: {}, body: undefined, attempts: 1, retryable: true }), "BALLAST_HTTP", isHttpError],
    [new TimeoutError("total", 10, { request: req }), "BALLAST_TIMEOUT", isTimeoutError],
    [new NetworkError("boom", { request: req }), "BALLAST_NETWORK", isNetworkError],
    [new CircuitOpenError("k", 0, { request: req }), "BALLAST_CIRCUIT_OPEN", isCircuitOpenError],
    [new RateLimitError("k", 0, { request: req }), "BALLAST_RATE_LIMIT", isRateLimitError],
    [new ValidationError([{ message: "bad", path: ["a", 0] }], "{}", { request: req }), "BALLAST_VALIDATION", isValidationError],
    [new ParseError("bad json", { status: 200, excerpt: "{", request: req }), "BALLAST_PARSE", isParseError],
    [new AbortError("why", { request: req }), "BALLAST_ABORT", isAbortError],
    [new StoreError("acquireRate", "failed: connection lost", { request: req, cause: new Error("connection lost") }), "BALLAST_STORE", isStoreError],
  ];
  it.each(all)("%s has a stable code, names the request, keeps its cause and has a guard", (err, code, guard) => {
    expect(err.code).toBe(code);
    expect(err.message).toContain("GET https://api.test/x");
    expect(guard(err)).toBe(true);
    expect(isApiError(err)).toBe(true);
    for (const [, otherCode, otherGuard] of all) if (otherCode !== code) expect(otherGuard(err)).toBe(false);
  });

  it("guards recognise errors from another copy of the package (brand symbol + code)", () => {
    const foreign = Object.assign(new Error("x"), { code: "BALLAST_HTTP", status: 429, headers: {} });
    Object.defineProperty(foreign, Symbol.for("ballast.error"), { value: true });
    expect(isHttpError(foreign)).toBe(true);
    expect(isRateLimited(foreign)).toBe(true);
    expect(isHttpError(new Error("plain"))).toBe(false);
    expect(isHttpError({ code: "BALLAST_HTTP" })).toBe(false);
  });

  it("status helpers classify", () => {
    const make = (status: number, headers = {}) => new HttpError({ request: req, status, headers, body: undefined, attempts: 1, retryable: false });
    expect(isServerError(make(502))).toBe(true);
    expect(isServerError(make(404))).toBe(false);
    expect(isRateLimited(make(403, { "x-ratelimit-remaining": "0" }))).toBe(true);
    expect(isRateLimited(make(403))).toBe(false);
  });

  it("ValidationError names the first issue's path", () => {
    const e = new ValidationError(
      [
        { message: "Expected string", path: ["data", 2, "email"] },
        { message: "x", path: [] },
      ],
      "{}",
    );
    expect(e.message).toBe("response failed validation at data.2.email: Expected string (+1 more)");
  });
});

describe("errorGuard: one guard factory for ballast's errors and yours", () => {
  it("matches branded errors by code, any of several, and nothing else", async () => {
    const { ApiError, errorGuard, ConfigError } = await import("../src/errors.js");
    class QuotaError extends ApiError {
      override readonly code = "MY_QUOTA";
    }
    const isQuotaError = errorGuard<QuotaError>("MY_QUOTA");
    const isEither = errorGuard("MY_QUOTA", "BALLAST_CONFIG");
    expect(isQuotaError(new QuotaError("over"))).toBe(true);
    expect(isQuotaError(new ConfigError("x", "bad"))).toBe(false);
    expect(isEither(new ConfigError("x", "bad"))).toBe(true);
    // a look-alike without the brand (a plain object or Error with the code) is not one
    expect(isQuotaError({ code: "MY_QUOTA" })).toBe(false);
    expect(isQuotaError(Object.assign(new Error("x"), { code: "MY_QUOTA" }))).toBe(false);
    expect(errorGuard()(new QuotaError("over"))).toBe(true);
  });
});
