/**
 * Every entry point's export list, from package.json "exports": a name added
 * to or dropped from the public surface shows up here as a changed file under
 * test/package/exports/, so growth is a decision (and goes in docs/changelog.md).
 */
import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { exports: Record<string, string | { default: string }> };

/** `./dist/stores/redis.js` → `src/stores/redis.ts`, for each entry point. */
const entries = Object.entries(pkg.exports).flatMap(([subpath, target]) =>
  typeof target === "object" ? [{ subpath, source: target.default.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts") }] : [],
);

function exportLists(): Map<string, string[]> {
  const files = entries.map((e) => new URL(e.source, root).pathname);
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const lists = new Map<string, string[]>();
  for (const [i, entry] of entries.entries()) {
    const file = program.getSourceFile(files[i] as string);
    const module = file && checker.getSymbolAtLocation(file);
    if (module === undefined) throw new Error(`${entry.source} (${entry.subpath}) is not a module`);
    lists.set(
      entry.subpath,
      checker
        .getExportsOfModule(module)
        .map((s) => s.name)
        .sort(),
    );
  }
  return lists;
}

describe("the public surface", () => {
  const lists = exportLists();

  it.each(entries)("$subpath exports exactly the names listed in test/package/exports/", async ({ subpath }) => {
    const names = lists.get(subpath) ?? [];
    const file = subpath === "." ? "ballast" : `ballast-${subpath.slice(2)}`;
    await expect(`${names.join("\n")}\n`).toMatchFileSnapshot(`./exports/${file}.txt`);
  });

  it("`ballast/testing` shares no name with `ballast` (one name, one meaning)", () => {
    const core = new Set(lists.get("."));
    const clashes = (lists.get("./testing") ?? []).filter((name) => core.has(name));
    expect(clashes).toEqual([]);
  });
});
