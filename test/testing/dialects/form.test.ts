import { describe, expect, it } from "vitest";
import { parseNestedForm } from "../../../src/testing/dialects/form.js";

describe("parseNestedForm", () => {
  it("reads nested brackets, raw or percent-encoded, the same way", () => {
    const raw = parseNestedForm("metadata[order]=42&expand[]=customer&expand[]=latest_charge&items[0][price]=p1&items[1][price]=p2");
    const encoded = parseNestedForm(
      "metadata%5Border%5D=42&expand%5B%5D=customer&expand%5B%5D=latest_charge&items%5B0%5D%5Bprice%5D=p1&items%5B1%5D%5Bprice%5D=p2",
    );
    const expected = { metadata: { order: "42" }, expand: ["customer", "latest_charge"], items: [{ price: "p1" }, { price: "p2" }] };
    expect(raw).toEqual(expected);
    expect(encoded).toEqual(expected);
  });

  it("turns repeated keys into a list and indexed keys into an array", () => {
    expect(parseNestedForm("MediaUrl=a&MediaUrl=b&To=%2B1555")).toEqual({ MediaUrl: ["a", "b"], To: "+1555" });
    expect(parseNestedForm("expand[0]=customer&expand[1]=x")).toEqual({ expand: ["customer", "x"] });
  });

  it("ignores keys that would reach the prototype", () => {
    const parsed = parseNestedForm("__proto__[polluted]=1&a[constructor][x]=1&ok=1");
    expect(parsed).toEqual({ ok: "1" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
