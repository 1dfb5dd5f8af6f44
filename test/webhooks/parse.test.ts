import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formPairs, parseForm } from "../../src/webhooks/parse.js";

// Characters that matter to form decoding, plus ordinary and non-ASCII ones.
const formChar = fc.constantFrom("&", "=", "+", "%", "2", "B", "e", "F", "0", "9", "a", "z", " ", "é", "😀", "\u00a0");
const formText = fc.array(formChar, { maxLength: 40 }).map((cs) => cs.join(""));
// Percent-encoded bytes, valid UTF-8 or not.
const encoded = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""));

describe("formPairs", () => {
  it("parses exactly as URLSearchParams does (the WHATWG form parser), whatever the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          formText,
          encoded,
          fc.tuple(formText, encoded, formText).map((p) => p.join("")),
        ),
        (text) => {
          expect(formPairs(text)).toEqual([...new URLSearchParams(text)]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("decodes + as a space and %2B as a plus, keeps empty values and skips empty fields", () => {
    expect(formPairs("a=1+2&&b=%2B&c&=d&e=")).toEqual([
      ["a", "1 2"],
      ["b", "+"],
      ["c", ""],
      ["", "d"],
      ["e", ""],
    ]);
  });

  it("keeps a stray % and replaces invalid UTF-8 as the standard does", () => {
    expect(formPairs("a=100%&b=%ff%fe")).toEqual([
      ["a", "100%"],
      ["b", "\ufffd\ufffd"],
    ]);
  });
});

describe("parseForm", () => {
  it("turns repeated fields into arrays in order", () => {
    expect(parseForm("To=%2B1555&Media=a&Media=b&Media=c")).toEqual({ To: "+1555", Media: ["a", "b", "c"] });
  });
});
