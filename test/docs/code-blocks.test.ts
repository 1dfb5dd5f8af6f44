import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Every ```ts block of README.md and docs/ is a module typechecked in one strict TypeScript run, with
// `ballast` and `ballast/<subpath>` mapped to src/. A fragment that assumes names (`client`, `sim`) gets
// them from a hidden `<!-- ts-context ... -->` comment above it (one declaration a line); ```ts no-check
// opts a block out, and should stay rare.
import { type BlockError, codeBlocks, readBlocks, typecheckBlocks } from "./code-blocks.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
mkdirSync(join(root, ".scratch"), { recursive: true });
const dir = mkdtempSync(join(root, ".scratch", "doc-blocks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const blocks = readBlocks(root);
const checked = blocks.filter((b) => !b.noCheck);
const docs = [...new Set(blocks.map((b) => b.doc))];
let errors: BlockError[] = [];

beforeAll(() => {
  errors = typecheckBlocks(root, dir, checked);
}, 180_000);

describe("TypeScript code blocks of README.md and docs/ typecheck (strict)", () => {
  it("finds the blocks of README.md and docs/", () => {
    expect(docs).toContain("README.md");
    expect(docs.filter((d) => d.startsWith("docs/")).length).toBeGreaterThan(10);
  });

  it("opting out with ```ts no-check stays rare", () => {
    expect(blocks.filter((b) => b.noCheck).length).toBeLessThanOrEqual(Math.ceil(blocks.length / 10));
  });

  it.each(docs)("%s", (doc) => {
    const own = errors.filter((e) => e.doc === doc).map((e) => `${e.doc}:${e.line}: ${e.message}`);
    expect(own).toEqual([]);
  });
});

describe("the checker itself", () => {
  it("reports a type error at its line in the Markdown file, gives a block its context, and skips no-check blocks", () => {
    const markdown = [
      "# t",
      "<!-- ts-context",
      "declare const greeting: string;",
      "declare const n: boolean;",
      "-->",
      "```ts",
      "const n: number = greeting.length;",
      "const m: number = greeting;",
      "```",
      "",
      "```ts no-check",
      "nonsense(",
      "```",
    ].join("\n");
    const found = codeBlocks("docs/fake.md", markdown);
    expect(found.map((b) => [b.line, b.noCheck])).toEqual([
      [7, false],
      [12, true],
    ]);
    // The context's `n` gives way to the block's own; its `greeting` is in scope.
    const reported = typecheckBlocks(
      root,
      dir,
      found.filter((b) => !b.noCheck),
    );
    expect(reported).toEqual([expect.objectContaining({ doc: "docs/fake.md", line: 8, message: expect.stringContaining("not assignable to type 'number'") })]);
  }, 60_000);
});
