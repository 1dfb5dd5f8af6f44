import { describe, expect, it } from "vitest";
import { apiErrorOf, readApiError, safeApiText } from "../../src/response/api-error.js";

const json = { "content-type": "application/json" };
const read = (body: unknown, headers: Record<string, string> = json, status = 400) => readApiError(body, { status, headers });

describe("readApiError: the API's own code and message from the common shapes", () => {
  it("RFC 9457 problem details: title and detail, extensions as details", () => {
    const r = read(
      { type: "https://x.test/credit", title: "Out of credit", detail: "Balance is 30", status: 403, balance: 30 },
      { "content-type": "application/problem+json" },
    );
    expect(r).toMatchObject({ message: "Out of credit: Balance is 30", details: { type: "https://x.test/credit", balance: 30 } });
    expect(r?.code).toBeUndefined();
  });

  it("Stripe / OpenAI: { error: { message, code, type, param } }", () => {
    const r = read({ error: { type: "invalid_request_error", code: "resource_missing", message: "No such customer: 'cus_x'", param: "id" } });
    expect(r).toEqual({ code: "resource_missing", message: "No such customer: 'cus_x'", details: { type: "invalid_request_error", param: "id" } });
    expect(read({ error: { type: "rate_limit_error", message: "slow down" } })).toMatchObject({ code: "rate_limit_error", message: "slow down" });
  });

  it("GitHub: { message, documentation_url } and its validation errors", () => {
    expect(read({ message: "Not Found", documentation_url: "https://docs.github.com/rest" })).toEqual({
      message: "Not Found",
      details: { documentation_url: "https://docs.github.com/rest" },
    });
    const v = read({ message: "Validation Failed", errors: [{ resource: "Issue", field: "title", code: "missing_field" }] });
    expect(v).toMatchObject({ code: "missing_field", message: "Validation Failed" });
  });

  it("Twilio: { code, message, more_info, status }", () => {
    expect(read({ code: 20404, message: "The requested resource was not found", more_info: "https://www.twilio.com/docs/errors/20404", status: 404 })).toEqual({
      code: "20404",
      message: "The requested resource was not found",
      details: { more_info: "https://www.twilio.com/docs/errors/20404", status: 404 },
    });
  });

  it("SendGrid and JSON:API: { errors: [{ message, field }] } / [{ code, title, detail }]", () => {
    expect(
      read({
        errors: [
          { message: "does not contain a valid address", field: "from.email" },
          { message: "is required", field: "subject" },
        ],
      }),
    ).toMatchObject({
      message: "from.email: does not contain a valid address; subject: is required",
    });
    expect(
      read({ errors: [{ status: "422", code: "invalid", title: "Invalid Attribute", detail: "First name must contain at least two characters." }] }),
    ).toMatchObject({
      code: "invalid",
      message: "First name must contain at least two characters.",
    });
  });

  it("Slack: { ok: false, error } and OAuth: { error, error_description }", () => {
    expect(read({ ok: false, error: "invalid_auth" }, json, 200)).toEqual({ code: "invalid_auth", message: "invalid_auth" });
    expect(read({ error: "invalid_grant", error_description: "refresh token expired" })).toEqual({ code: "invalid_grant", message: "refresh token expired" });
  });

  it("a short plain-text body is the message; HTML pages and unknown shapes are not", () => {
    expect(read("Bad Gateway\n", { "content-type": "text/plain; charset=utf-8" })).toEqual({ message: "Bad Gateway" });
    expect(read("<html><body>502</body></html>", { "content-type": "text/html" })).toBeUndefined();
    expect(read({ foo: 1 })).toBeUndefined();
    expect(read([1, 2])).toBeUndefined();
    expect(read(undefined)).toBeUndefined();
  });
});

describe("apiErrorOf", () => {
  it("uses the client's reader first and falls back to the built-in shapes when it returns undefined or throws", () => {
    const own = (body: unknown) => {
      const b = body as { fault?: { id: string; text: string; hint: string } };
      return b.fault ? { code: b.fault.id, message: b.fault.text, details: { hint: b.fault.hint } } : undefined;
    };
    expect(apiErrorOf({ fault: { id: "E1", text: "broken", hint: "retry later" } }, 500, json, own)).toEqual({
      code: "E1",
      message: "broken",
      details: { hint: "retry later" },
    });
    expect(apiErrorOf({ message: "plain" }, 500, json, own)).toEqual({ message: "plain" });
    const throwing = () => {
      throw new Error("bug in reader");
    };
    expect(apiErrorOf({ message: "still read" }, 500, json, throwing)).toEqual({ message: "still read" });
  });

  it("passes the status and one string per header to the client's reader", () => {
    let seen: unknown;
    apiErrorOf({ x: 1 }, 418, { "content-type": "application/json", "set-cookie": ["a=1", "b=2"] }, (_b, response) => {
      seen = response;
      return undefined;
    });
    expect(seen).toEqual({ status: 418, headers: { "content-type": "application/json", "set-cookie": "a=1, b=2" } });
  });

  it("redacts secrets the API echoes back, in the message and in details", () => {
    const r = apiErrorOf(
      {
        error: { message: "Invalid API Key provided: sk_live_abcdefghijklmnop; Authorization: Bearer abc.def.ghijklmnop", code: "auth", api_key: "sk_live_x" },
      },
      401,
      json,
      undefined,
    );
    expect(r.message).not.toContain("sk_live_abcdefghijklmnop");
    expect(r.message).not.toContain("abc.def.ghijklmnop");
    expect(r.message).toContain("[REDACTED]");
    expect(JSON.stringify(r.details)).not.toContain("sk_live_x");
  });

  it("bounds the message to one line of at most 300 characters", () => {
    const text = safeApiText(`line one\nline two ${"x".repeat(1000)}`);
    expect(text).not.toContain("\n");
    expect(text.length).toBeLessThanOrEqual(301);
  });
});
