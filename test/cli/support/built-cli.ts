/**
 * Builds the CLI once (the real `tsc -p tsconfig.build.json`) into a directory
 * keyed by a hash of the sources, and runs it as a child process. Test files
 * share the build: the first one to need it compiles, the others reuse it.
 * The build sits under node_modules/.cache so the compiled files resolve the
 * repository's dependencies the way an installed package does.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeAll } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const execFileAsync = promisify(execFile);

function sourceHash(): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(root, "src"));
  hash.update(readFileSync(join(root, "package.json")));
  hash.update(readFileSync(join(root, "tsconfig.json")));
  return hash.digest("hex").slice(0, 16);
}

let built: Promise<string> | undefined;

/** The path of the built `main.js`, building it first when the sources changed. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const base = join(root, "node_modules", ".cache", "ballast-cli");
    const dir = join(base, sourceHash());
    const main = join(dir, "dist", "cli", "main.js");
    if (existsSync(main)) return main;
    mkdirSync(base, { recursive: true });
    const staging = `${dir}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    await execFileAsync(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", join(staging, "dist")],
      {
        cwd: root,
        timeout: 240_000,
      },
    );
    cpSync(join(root, "package.json"), join(staging, "package.json"));
    writeFileSync(join(staging, "built-at"), new Date().toISOString());
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another test file finished the same build first; use theirs.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(main)) throw error;
    }
    return main;
  })();
  return built;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeout?: number;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `ballast ARGS...` to completion (bounded by `timeout`, 60 s by default). */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const main = await buildCli();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [main, ...args], { cwd: options.cwd ?? root, env: childEnv(options.env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ballast ${args.join(" ")} did not finish in ${options.timeout ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeout ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** A long-running `ballast` process (listen, simulate) whose output the test reads as it comes. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout + stderr, or fails loudly after `timeout` ms. */
  waitFor(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process exits by itself (fails loudly after `timeout` ms). */
  exited(timeout?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (SIGINT by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startCli(args: string[], options: RunOptions = {}): Promise<CliProcess> {
  const main = await buildCli();
  const child = spawn(process.execPath, [main, ...args], { cwd: options.cwd ?? root, env: childEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
  child.on("exit", () => {
    for (const l of listeners) l();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeout = 30_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const m = (out + err).match(pattern);
          if (m) {
            done();
            resolvePromise(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(
              new Error(`ballast ${args.join(" ")} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`ballast ${args.join(" ")} did not print ${pattern} in ${timeout} ms\nstdout: ${out}\nstderr: ${err}`));
        }, timeout);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    exited(timeout = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`ballast ${args.join(" ")} did not exit in ${timeout} ms\nstdout: ${out}\nstderr: ${err}`)), timeout);
      });
      return Promise.race([exited, late]).finally(() => clearTimeout(timer));
    },
    async stop(signal = "SIGINT") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/**
 * For a test file that runs the CLI: builds it before the tests (a build takes minutes on a cold cache), and
 * kills every process started with `start` after each test, passed or failed.
 */
export function useCli(): { start(args: string[], options?: RunOptions): Promise<CliProcess> } {
  const running = new Set<CliProcess>();
  beforeAll(() => buildCli(), 300_000);
  afterEach(async () => {
    for (const cli of running) await cli.stop("SIGKILL");
    running.clear();
  });
  return {
    async start(args, options) {
      const cli = await startCli(args, options);
      running.add(cli);
      return cli;
    },
  };
}
