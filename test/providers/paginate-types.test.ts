/**
 * The compile-time side of a provider client's pagination: test/providers/types/*.check.ts
 * are typechecked (strict); each `@ts-expect-error` line in them must fail to compile.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, typecheck } from "../support/typecheck.js";

const DIR = join(ROOT, "test/providers/types");
const CHECKS = readdirSync(DIR).filter((f) => f.endsWith(".check.ts"));

let diagnostics: string[];
beforeAll(() => {
  diagnostics = typecheck(CHECKS.map((f) => join(DIR, f)));
}, 300_000);

describe("provider clients' pagination types", () => {
  it.each(CHECKS)("%s: every line compiles but those marked @ts-expect-error, which fail", (file) => {
    expect(diagnostics.filter((d) => d.startsWith(`test/providers/types/${file}:`))).toEqual([]);
  });

  it("reports nothing outside the check files", () => {
    expect(diagnostics).toEqual([]);
  });
});
