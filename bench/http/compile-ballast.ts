/**
 * Compiles ballast's src/ to plain JavaScript (TypeScript's transpiler, as the
 * published package would be) under .scratch/ of this checkout, so the benchmark
 * measures the code users run. Running src/ through tsx instead adds an
 * esbuild `__name()` call for every function created per request, a cost the
 * built package does not have.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const srcDir = join(repoRoot, "src");
// Inside the checkout so that imports of undici etc. resolve from its node_modules; not in node_modules itself,
// which worktrees may share (one checkout's compile would replace another's mid-run).
const outRoot = join(repoRoot, ".scratch", "ballast-bench");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** ballast's TypeScript sources (loaded through tsx). */
export const TS_SRC = srcDir;

/** Writes the compiled tree and returns the directory standing for src/. */
export function compileBallast(): string {
  rmSync(outRoot, { recursive: true, force: true });
  const outSrc = join(outRoot, "src");
  const compilerOptions: ts.CompilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true };
  for (const file of tsFiles(srcDir)) {
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), { compilerOptions, fileName: file });
    const out = join(outSrc, relative(srcDir, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  writeFileSync(join(outRoot, "package.json"), '{ "type": "module" }\n');
  return outSrc;
}
