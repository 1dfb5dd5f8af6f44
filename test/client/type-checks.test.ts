/**
 * The compile-time side of the client: test/client/types/*.check.ts are
 * typechecked (strict) in one program. Each `@ts-expect-error` line in them
 * must fail to compile, or the directive itself is reported.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, typecheck } from "../support/typecheck.js";

const DIR = join(ROOT, "test/client/types");
const CHECKS = readdirSync(DIR).filter((f) => f.endsWith(".check.ts"));
const SNIPPET = join(DIR, "snippet-messages.ts");

let diagnostics: string[];
beforeAll(() => {
  diagnostics = typecheck(
    CHECKS.map((f) => join(DIR, f)),
    {
      [SNIPPET]: `import { createClient } from "ballast";
const client = createClient({ baseUrl: "https://api.example.com" });
client.get("/echo", { params: { limit: 10 } });
client.get("/users/:id", { params: { ib: "42" } });
`,
    },
  );
}, 300_000);

describe("type checks", () => {
  it("finds the check files", () => {
    expect(CHECKS).toEqual(expect.arrayContaining(["path-params.check.ts", "option-keys.check.ts"]));
  });

  it.each(CHECKS)("%s: every line compiles but those marked @ts-expect-error, which fail", (file) => {
    expect(diagnostics.filter((d) => d.startsWith(`test/client/types/${file}:`))).toEqual([]);
  });

  it("says why: a key without a placeholder belongs in query; a typo is not the template's name", () => {
    const snippet = diagnostics.filter((d) => d.startsWith("test/client/types/snippet"));
    expect(snippet).toHaveLength(2);
    expect(snippet[0]).toMatch(/snippet-messages\.ts:3: .*query parameters go in `query`/s);
    expect(snippet[1]).toMatch(/snippet-messages\.ts:4: .*'ib' does not exist in type 'PathParamsOf<"\/users\/:id">'/s);
  });

  it("reports nothing outside the check files", () => {
    expect(diagnostics.filter((d) => !d.startsWith("test/client/types/"))).toEqual([]);
  });
});
