import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { isValidationError, type ValidationError } from "../../src/errors.js";
import { shape } from "../../src/schema/shape.js";

const request = { method: "GET", url: "https://api.example.com/users/1" };
const raw = { user_id: 42, first_name: "Grace", last_name: "Hopper", created_at: "2024-05-06T07:08:09.000Z", token: "tok_secret" };

// The same model through three Standard Schema libraries.
const schemas = {
  zod: z.object({ user_id: z.number(), first_name: z.string(), last_name: z.string(), created_at: z.string() }),
  valibot: v.object({ user_id: v.number(), first_name: v.string(), last_name: v.string(), created_at: v.string() }),
  arktype: type({ user_id: "number", first_name: "string", last_name: "string", created_at: "string" }),
};

const toUser = (u: { user_id: number; first_name: string; last_name: string; created_at: string }) => ({
  id: u.user_id,
  name: `${u.first_name} ${u.last_name}`,
  createdAt: new Date(u.created_at),
});

describe.each(Object.entries(schemas))("shape() with %s", (_name, schema) => {
  it("validates then transforms to the application's model", async () => {
    const user = await shape(raw, { schema, transform: toUser }, request);
    expectTypeOf(user).toEqualTypeOf<{ id: number; name: string; createdAt: Date }>();
    expect(user).toEqual({ id: 42, name: "Grace Hopper", createdAt: new Date("2024-05-06T07:08:09.000Z") });
  });

  it("a mismatch throws ValidationError with the issue path, the request and a redacted excerpt", async () => {
    const err = (await shape({ ...raw, first_name: 7 }, { schema }, request).catch((e) => e)) as ValidationError;
    expect(isValidationError(err)).toBe(true);
    // (arktype hands out its own array subclass for paths; compare the keys)
    expect(err.issues.map((i) => Array.from(i.path))).toEqual([["first_name"]]);
    expect(err.request?.url).toBe(request.url);
    expect(err.excerpt).not.toContain("tok_secret");
    expect(err.excerpt).toContain("Hopper"); // non-secret content stays readable
  });
});

describe("shape() without a schema", () => {
  it("passes the value to transform, or through untouched", async () => {
    expect(await shape(raw, { transform: (r: typeof raw) => r.user_id }, request)).toBe(42);
    expect(await shape(raw, {}, request)).toBe(raw);
  });

  it("awaits async transforms", async () => {
    expect(await shape(1, { transform: async (n: number) => n + 1 }, request)).toBe(2);
  });
});
