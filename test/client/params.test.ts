import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeParams, type ParamObject } from "../../src/client/params.js";

/** A reference decoder for bracket notation, written for the test: `a[b][0]=x` → { a: { b: ["x"] } }. */
function decode(qs: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  if (qs === "") return root;
  for (const pair of qs.split("&")) {
    const [k, v = ""] = pair.split("=").map(decodeURIComponent) as [string, string?];
    const keys = k.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> | unknown[] = root;
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      const container = node as Record<string, unknown> & unknown[];
      const slot = key === "" ? container.length : key;
      if (last) container[slot as never] = v as never;
      else {
        if (container[slot as never] === undefined) container[slot as never] = (/^\d*$/.test(keys[i + 1] as string) ? [] : {}) as never;
        node = container[slot as never] as Record<string, unknown>;
      }
    });
  }
  return root;
}

const key = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => /^[A-Za-z_][\w. -]*$/.test(s) && !(s in Object.prototype));
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.boolean().map(String));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, scalar, fc.array(scalar, { minLength: 1, maxLength: 3 }), fc.dictionary(key, tie("v"), { minKeys: 1, maxKeys: 3 })),
})).v;

describe("encodeParams", () => {
  it("round-trips nested objects and arrays of strings through bracket notation", () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (obj) => {
        expect(decode(encodeParams(obj as ParamObject, "indices"))).toEqual(obj);
      }),
    );
  });

  it("drops undefined, writes null as empty and dates as ISO 8601", () => {
    expect(encodeParams({ a: undefined, b: null, c: new Date(Date.UTC(2026, 0, 2)) })).toBe("b=&c=2026-01-02T00%3A00%3A00.000Z");
  });

  it("writes arrays in the chosen format; arrays of objects always indexed", () => {
    const v = { ids: [1, 2], items: [{ p: "x" }] };
    expect(decodeURIComponent(encodeParams(v, "brackets"))).toBe("ids[]=1&ids[]=2&items[0][p]=x");
    expect(decodeURIComponent(encodeParams(v, "indices"))).toBe("ids[0]=1&ids[1]=2&items[0][p]=x");
    expect(decodeURIComponent(encodeParams(v, "repeat"))).toBe("ids=1&ids=2&items[0][p]=x");
    expect(decodeURIComponent(encodeParams(v, "comma"))).toBe("ids=1,2&items[0][p]=x");
  });

  it("escapes every reserved character in keys and values", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (k, v) => {
        const qs = encodeParams({ [k || "k"]: v });
        expect(new URLSearchParams(qs).get(k || "k")).toBe(v);
      }),
    );
  });
});
