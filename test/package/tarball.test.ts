/**
 * The package as a user installs it: packed, installed into a new project
 * without optional peers, then imported (ESM), required (CommonJS) and
 * typechecked by a strict consumer against the shipped declarations.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeSubpaths, PACKED_VERSION, type Packed, packAndInstall, pkg, ROOT, run, specifier } from "./pack.js";

/**
 * The subpaths that need an optional peer, and which. Every other subpath
 * (including ones added later) must load and typecheck with no peer installed.
 * `./redis` runs without ioredis (it is handed a client) but its declarations
 * name ioredis's `Redis` type.
 */
const NEEDS_PEER: Record<string, string[]> = {
  "./redis": ["ioredis"],
  "./telemetry": ["@opentelemetry/api"],
};

const peerFree = codeSubpaths.filter((s) => !(s in NEEDS_PEER));
const peerFreeSpecifiers = peerFree.map(specifier);
const PEERS = Object.keys(pkg.peerDependencies);

const SETUP_MS = 8 * 60_000;
const STEP_MS = 4 * 60_000;

let packed: Packed;

beforeAll(async () => {
  packed = await packAndInstall(SETUP_MS);
}, SETUP_MS);

afterAll(() => packed?.cleanup());

/** Runs node in the consumer project with a script written there; returns its JSON output. */
async function nodeJson<T>(file: string, source: string): Promise<T> {
  writeFileSync(join(packed.consumer, file), source);
  const { stdout } = await run(process.execPath, [file], packed.consumer, STEP_MS);
  return JSON.parse(stdout) as T;
}

/** The export names of each subpath that needs no peer, loaded with `import()` or `require()`. */
function loadEach(how: "import" | "require"): Promise<Record<string, string[]>> {
  const list = JSON.stringify(peerFreeSpecifiers);
  return how === "import"
    ? nodeJson("check-esm.mjs", `const out = {};\nfor (const s of ${list}) out[s] = Object.keys(await import(s)).sort();\nconsole.log(JSON.stringify(out));\n`)
    : nodeJson(
        "check-cjs.cjs",
        `const out = {};\nfor (const s of ${list}) out[s] = Object.keys(require(s)).filter((k) => k !== "__esModule").sort();\nconsole.log(JSON.stringify(out));\n`,
      );
}

function entryOf(subpath: string): string {
  const target = pkg.exports[subpath];
  const entry = typeof target === "string" ? target : target?.default;
  if (!entry) throw new Error(`exports["${subpath}"] has no "default" condition (one file serves import and require)`);
  return entry;
}

describe("the packed tarball", () => {
  it("names every subpath this test knows needs a peer", () => {
    for (const subpath of Object.keys(NEEDS_PEER)) expect(codeSubpaths, `NEEDS_PEER lists ${subpath}, which package.json no longer exports`).toContain(subpath);
    for (const peers of Object.values(NEEDS_PEER)) for (const peer of peers) expect(PEERS).toContain(peer);
  });

  it("ships the LICENSE and the package metadata", () => {
    expect(packed.files).toContain("LICENSE");
    const license = readFileSync(join(packed.installed, "LICENSE"), "utf8");
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain("ballast contributors");
    const installed = JSON.parse(readFileSync(join(packed.installed, "package.json"), "utf8")) as typeof pkg;
    expect(installed.license).toBe("MIT");
    expect(installed.repository).toEqual(expect.objectContaining({ url: expect.stringMatching(/^git\+https:\/\//) }));
    expect(installed.homepage).toMatch(/^https:\/\//);
    expect(installed.bugs).toEqual(expect.objectContaining({ url: expect.stringMatching(/^https:\/\//) }));
  });

  it("every relative link in the shipped README and docs points at a shipped file", () => {
    const pages = [
      "README.md",
      ...readdirSync(join(packed.installed, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(packed.installed, page), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (target === undefined || /^(?:[a-z]+:|#)/i.test(target)) continue;
        const file = join(packed.installed, page, "..", decodeURIComponent(target.replace(/#.*$/, "")));
        if (!existsSync(file)) broken.push(`${page} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("ships no test, bench or source file, and every source map carries its sources", () => {
    expect(packed.files.filter((f) => /^(test|bench|examples|src)\//.test(f))).toEqual([]);
    const maps = packed.files.filter((f) => f.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(packed.installed, map), "utf8")) as { sources: string[]; sourcesContent?: unknown[] };
      expect(sourcesContent?.length, `${map} must inline its sources (src/ is not shipped)`).toBe(sources.length);
      for (const content of sourcesContent ?? []) expect(typeof content).toBe("string");
    }
  });

  it("maps every export to a built file and its declarations", () => {
    for (const subpath of codeSubpaths) {
      const target = pkg.exports[subpath];
      expect(typeof target === "object" && target.types, `exports["${subpath}"].types`).toMatch(/\.d\.ts$/);
      const files = typeof target === "object" ? Object.values(target) : [target];
      for (const file of files) expect(packed.files, `exports["${subpath}"] → ${file}`).toContain(file?.replace(/^\.\//, ""));
    }
    for (const bin of Object.values(pkg.bin)) expect(packed.files).toContain(bin.replace(/^\.\//, ""));
  });

  it("installs without any optional peer", () => {
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(packed.consumer, "node_modules", dep)), dep).toBe(true);
    for (const peer of PEERS) expect(existsSync(join(packed.consumer, "node_modules", peer)), `${peer} must not be installed`).toBe(false);
    expect(readdirSync(join(packed.consumer, "node_modules", "@types"))).toEqual(["node"]);
  });
});

describe("loading the installed package without optional peers", () => {
  it("imports every subpath that needs no peer (ESM), with the exports of its source", { timeout: STEP_MS }, async () => {
    const loaded = await loadEach("import");
    for (const subpath of peerFree) {
      const source = entryOf(subpath)
        .replace(/^\.\/dist\//, "src/")
        .replace(/\.js$/, ".ts");
      const expected = Object.keys((await import(pathToFileURL(join(ROOT, source)).href)) as object).sort();
      expect(loaded[specifier(subpath)], specifier(subpath)).toEqual(expected);
    }
  });

  it("require()s the root and every subpath that needs no peer (CommonJS, no top-level await)", { timeout: STEP_MS }, async () => {
    const [esm, cjs] = await Promise.all([loadEach("import"), loadEach("require")]);
    expect(cjs[pkg.name]).toContain("createClient");
    expect(cjs).toEqual(esm);
  });

  it("loads the SQLite peer only when sqliteInbox is called, and names it when it is missing", { timeout: STEP_MS }, async () => {
    const result = await nodeJson<{ verified: string; stored: string; sqlite: { code: string; option: string; message: string } }>(
      "check-lazy-peers.mjs",
      `import { memoryInbox, postgresInbox, signWebhook, sqliteInbox, verifyWebhook } from "ballast/webhooks";
import { memoryTokenStore, redisTokenStore, sqlTokenStore } from "ballast/oauth";
const payload = JSON.stringify({ id: "evt_1", type: "invoice.paid" });
const secret = "whsec_test_secret_for_the_tarball";
const headers = signWebhook({ scheme: "stripe", payload, secret });
const verified = verifyWebhook({ scheme: "stripe", payload, headers, secret }).id;
const inbox = memoryInbox();
const stored = await inbox.put({ id: "evt_1", scheme: "stripe", type: "invoice.paid", orderingKey: undefined, payload: Buffer.from(payload), headers, receivedAt: 0 });
if (typeof postgresInbox !== "function" || typeof memoryTokenStore !== "function" || typeof redisTokenStore !== "function" || typeof sqlTokenStore !== "function") throw new Error("missing export");
let sqlite;
try { sqliteInbox("inbox.db"); } catch (e) { sqlite = { code: e.code, option: e.option, message: e.message }; }
console.log(JSON.stringify({ verified, stored, sqlite }));
`,
    );
    expect(result.verified).toBe("evt_1");
    expect(result.stored).toBe("stored");
    expect(result.sqlite).toEqual({ code: "BALLAST_CONFIG", option: "sqliteInbox", message: expect.stringContaining("npm install better-sqlite3") });
    expect(existsSync(join(packed.consumer, "inbox.db"))).toBe(false);
  });

  it("reads its version from package.json: the CLI's --version and the default user-agent", { timeout: STEP_MS }, async () => {
    const { stdout } = await run(join(packed.consumer, "node_modules", ".bin", "ballast"), ["--version"], packed.consumer, STEP_MS);
    expect(stdout.trim()).toBe(PACKED_VERSION);
    const { userAgent } = await nodeJson<{ userAgent: string }>(
      "check-user-agent.mjs",
      `import { createServer } from "node:http";
import { createClient } from "ballast";
const server = createServer((req, res) => res.setHeader("content-type", "application/json").end(JSON.stringify({ userAgent: req.headers["user-agent"] })));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const client = createClient({ baseUrl: \`http://127.0.0.1:\${server.address().port}\` });
console.log(JSON.stringify(await client.get("/")));
await client.close();
server.close();
`,
    );
    expect(userAgent).toBe(`ballast/${PACKED_VERSION} node/${process.versions.node}`);
  });
});

describe("the shipped declarations", () => {
  it("typecheck in a strict consumer (skipLibCheck: false, NodeNext) with no peer's types installed", { timeout: STEP_MS }, async () => {
    const names = peerFreeSpecifiers.map((s, i) => [`m${i}`, s] as const);
    writeFileSync(
      join(packed.consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          noEmit: true,
          types: ["node"],
        },
        files: ["consumer.mts", "consumer.cts"],
      }),
    );
    writeFileSync(
      join(packed.consumer, "consumer.mts"),
      `${names.map(([n, s]) => `import * as ${n} from "${s}";`).join("\n")}
import { createClient, isHttpError, retry } from "ballast";
import { memoryInbox, postgresInbox, sqliteInbox, verifyWebhook } from "ballast/webhooks";
import { oauth2, redisTokenStore, sqlTokenStore } from "ballast/oauth";

export const modules = [${names.map(([n]) => n).join(", ")}];
export const client = createClient({ baseUrl: "https://api.example.com", retry: { attempts: 3 }, use: [retry({ attempts: 2 })] });
export const guard: (e: unknown) => boolean = isHttpError;
export const inbox = memoryInbox();
export const factories = [postgresInbox, sqliteInbox, verifyWebhook, oauth2, redisTokenStore, sqlTokenStore];
// The shipped declarations carry the path-template and OpenAPI typing.
export const user = client.get("/users/:id", { params: { id: "42" } });
// @ts-expect-error: "ib" is not a placeholder of the path
client.get("/users/:id", { params: { ib: "42" } });
// @ts-expect-error: axios's name for the body
client.post("/users", { data: {} });
interface paths {
  "/pets/{petId}": { get: { parameters: { path: { petId: number } }; responses: { 200: { content: { "application/json": { name: string } } } } } };
}
export const name: Promise<string> = createClient<paths>({ baseUrl: "https://api.example.com" })
  .get("/pets/{petId}", { params: { petId: 1 } })
  .then((pet) => pet.name);
`,
    );
    writeFileSync(
      join(packed.consumer, "consumer.cts"),
      `${names.map(([n, s]) => `import ${n} = require("${s}");`).join("\n")}
export const modules = [${names.map(([n]) => n).join(", ")}];
export const client = m0.createClient({ baseUrl: "https://api.example.com" });
`,
    );
    await run(process.execPath, [join(packed.consumer, "node_modules", "typescript", "bin", "tsc"), "-p", "."], packed.consumer, STEP_MS);
  });
});

describe("the built package with its peers installed", () => {
  it("require()s every subpath, those that need a peer included (no top-level await anywhere)", { timeout: STEP_MS }, async () => {
    const all = codeSubpaths.map(specifier);
    const { stdout } = await run(
      process.execPath,
      ["-e", `const out = {}; for (const s of ${JSON.stringify(all)}) out[s] = Object.keys(require(s)).length; console.log(JSON.stringify(out));`],
      packed.stage,
      STEP_MS,
    );
    const counts = JSON.parse(stdout) as Record<string, number>;
    for (const s of all) expect(counts[s], s).toBeGreaterThan(0);
  });
});
