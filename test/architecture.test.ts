import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The layers of docs/architecture.md, lowest first. A folder (or a file at the
// root of src/) may import from its own layer and the layers below it, never
// from a layer above; within a layer two folders never import each other.
const LAYERS: ReadonlyArray<ReadonlyArray<string>> = [
  ["types", "clock", "version", "redact"],
  ["errors"],
  ["util"],
  ["channels", "compose", "transport", "stores", "peers"],
  ["response", "schema"],
  ["middleware", "pagination", "streaming", "batch"],
  ["client", "oauth"],
  ["graphql", "webhooks"],
  ["health", "dashboard", "providers"],
  ["testing"],
  ["cli"],
  ["index"],
];

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");

/** `webhooks/verify.ts` → `webhooks`; `errors.ts` → `errors`. */
const unitOf = (file: string): string => {
  const parts = relative(src, file).split(sep);
  return parts.length === 1 ? (parts[0] as string).replace(/\.[jt]s$/, "") : (parts[0] as string);
};

/** The package's entry points that only re-export (src/index.ts, src/webhooks/index.ts, ...): a public surface may gather from any layer. */
function entrySurfaces(): Set<string> {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
  const out = new Set<string>();
  for (const target of Object.values(pkg.exports)) {
    const js = typeof target === "object" && target !== null ? (target as { default?: string }).default : undefined;
    if (js?.endsWith("/index.js")) out.add(normalize(join(src, js.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts"))));
  }
  return out;
}

interface Edge {
  from: string;
  to: string;
  file: string;
  specifier: string;
}

/** Every relative import (static, re-export, dynamic) between two different units of src/. */
function unitEdges(): Edge[] {
  const surfaces = entrySurfaces();
  const files = readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(src, f));
  const edges: Edge[] = [];
  for (const file of files) {
    if (surfaces.has(file)) continue;
    for (const { fileName: specifier } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (!specifier.startsWith(".")) continue;
      const target = normalize(join(dirname(file), specifier));
      const from = unitOf(file);
      const to = unitOf(target);
      if (from !== to) edges.push({ from, to, file: relative(root, file), specifier });
    }
  }
  return edges;
}

/** The files `file` imports or re-exports from (relative), with (`types`) or without those that only bring types. */
function importsOf(file: string, types: boolean): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const out: string[] = [];
  for (const st of source.statements) {
    let specifier: ts.Expression | undefined;
    let typesOnly = false;
    if (ts.isImportDeclaration(st)) {
      specifier = st.moduleSpecifier;
      const clause = st.importClause;
      const named = clause?.namedBindings;
      typesOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((e) => e.isTypeOnly)));
    } else if (ts.isExportDeclaration(st)) {
      specifier = st.moduleSpecifier;
      const named = st.exportClause;
      typesOnly = st.isTypeOnly || (named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly));
    }
    if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".") || (typesOnly && !types)) continue;
    out.push(normalize(join(dirname(file), specifier.text)).replace(/\.js$/, ".ts"));
  }
  return out;
}

/** Every chain of imports (run-time only, or `types` too) that comes back to where it started, as the files it passes. */
function importCycles(types: boolean): string[][] {
  const files = readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(src, f));
  const graph = new Map(files.map((f) => [f, importsOf(f, types)]));
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    const at = path.indexOf(file);
    if (at !== -1) {
      cycles.push(path.slice(at).map((f) => relative(root, f)));
      return;
    }
    if (done.has(file) || !graph.has(file)) return;
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of files) visit(file);
  return cycles;
}

const layerOf = new Map(LAYERS.flatMap((units, layer) => units.map((unit) => [unit, layer] as const)));
const edges = unitEdges();
const show = (e: Edge) => `${e.from} -> ${e.to} (${e.file} imports "${e.specifier}")`;

describe("imports point down the layers of docs/architecture.md", () => {
  it("every folder and root file of src/ has a layer", () => {
    const units = new Set(readdirSync(src).map((name) => name.replace(/\.ts$/, "")));
    expect([...units].filter((unit) => !layerOf.has(unit))).toEqual([]);
  });

  it("finds the imports it judges", () => {
    // Guards the scan itself: the client imports its policies, so an empty scan is a broken scan.
    expect(edges.some((e) => e.from === "client" && e.to === "middleware")).toBe(true);
  });

  it("no folder imports from a layer above its own", () => {
    const upward = edges.filter((e) => (layerOf.get(e.to) ?? Number.POSITIVE_INFINITY) > (layerOf.get(e.from) ?? -1));
    expect(upward.map(show)).toEqual([]);
  });

  it("no file imports itself at run time through other files", () => {
    expect(importCycles(false)).toEqual([]);
  });

  it("nor through type-only imports: each file's types point one way too", () => {
    expect(importCycles(true)).toEqual([]);
  });

  it("no two folders import each other", () => {
    const pairs = new Set(edges.map((e) => `${e.from} ${e.to}`));
    const both = edges.filter((e) => pairs.has(`${e.to} ${e.from}`));
    expect(both.map(show)).toEqual([]);
  });
});
