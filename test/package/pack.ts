/**
 * Builds and packs this package the way a publisher does, then installs the
 * tarball into a fresh project the way a user does — without any optional
 * peer dependency. Everything happens in a temporary directory outside the
 * repository (so nothing resolves the repository's node_modules, and the
 * repository's own dist/ is never touched by a test).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface PackageJson {
  name: string;
  version: string;
  license?: string;
  engines?: Record<string, string>;
  repository?: { url?: string } | string;
  homepage?: string;
  bugs?: { url?: string } | string;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

export const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;

/**
 * The version the staged copy is packed under: not the one in the repository,
 * so that a version hard-coded anywhere in the code shows up as a mismatch.
 */
export const PACKED_VERSION = `${pkg.version}-packed.0`;

/** The import specifier of an `exports` key: "." → "ballast", "./oauth" → "ballast/oauth". */
export const specifier = (subpath: string) => (subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);

/** The code subpaths of `exports` (not `./package.json`). */
export const codeSubpaths = Object.keys(pkg.exports).filter((s) => !s.endsWith(".json"));

export interface Run {
  stdout: string;
  stderr: string;
}

/** Runs a command; a failure throws with everything it printed. */
export function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  // Variables npm sets for the running script (npm test) would leak into nested npm commands.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_package_") && !k.startsWith("npm_lifecycle_")));
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Top-level entries of the repository that a publisher's clean checkout would not have. */
const NOT_COPIED = new Set(["node_modules", "dist", ".git", ".test-results", ".scratch", "coverage"]);

export interface Packed {
  /** Temporary directory holding everything below; removed by `cleanup()`. */
  work: string;
  /** A copy of the repository where `npm pack` ran (node_modules linked to the repository's). */
  stage: string;
  tarball: string;
  /** Paths inside the tarball (relative to the package root). */
  files: string[];
  /** The consumer project: the tarball installed, no optional peer. */
  consumer: string;
  /** The installed package. */
  installed: string;
  cleanup(): void;
}

/**
 * `npm pack` (its prepack script runs `npm run build`) in a copy of the
 * repository, under `PACKED_VERSION`, then `npm install <tarball> --omit=peer` in a new project. The
 * install is tried offline first (npm's cache usually holds every dependency
 * after `npm ci`), then with the registry for what the cache lacks.
 * `typescript` and `@types/node` are linked from this repository rather than
 * downloaded: the consumer gets no other type package.
 */
export async function packAndInstall(timeoutMs: number): Promise<Packed> {
  const work = mkdtempSync(join(tmpdir(), "ballast-pack-"));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    const stage = join(work, "package");
    cpSync(ROOT, stage, {
      recursive: true,
      filter: (src) => {
        const rel = relative(ROOT, src);
        return !NOT_COPIED.has(rel.split(sep)[0] ?? "") && !/\.db(-wal|-shm)?$/.test(rel);
      },
    });
    symlinkSync(join(ROOT, "node_modules"), join(stage, "node_modules"), "dir");
    writeFileSync(join(stage, "package.json"), `${JSON.stringify({ ...pkg, version: PACKED_VERSION }, null, 2)}\n`);

    const packed = await run("npm", ["pack", "--json", "--pack-destination", work], stage, timeoutMs);
    const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (!report) throw new Error(`npm pack printed no report:\n${packed.stdout}`);
    const tarball = join(work, basename(report.filename));

    const consumer = join(work, "consumer");
    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2));
    const install = ["install", tarball, "--omit=peer", "--ignore-scripts", "--no-save", "--no-audit", "--no-fund"];
    await run("npm", [...install, "--offline"], consumer, timeoutMs).catch(() => run("npm", [...install, "--prefer-offline"], consumer, timeoutMs));

    mkdirSync(join(consumer, "node_modules", "@types"), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", "typescript"), join(consumer, "node_modules", "typescript"), "dir");
    symlinkSync(join(ROOT, "node_modules", "@types", "node"), join(consumer, "node_modules", "@types", "node"), "dir");

    return {
      work,
      stage,
      tarball,
      files: report.files.map((f) => f.path),
      consumer,
      installed: join(consumer, "node_modules", pkg.name),
      cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
