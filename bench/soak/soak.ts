/**
 * The call-unit soak: a plain node:http server with its own fault injection
 * (about 20 % of attempts fail: resets before processing, answers lost after
 * the side effect, bodies cut half-way after the headers, 500/503, 429 with
 * Retry-After or retry-after-ms, stalls) and a client with
 * `retry: { attempts: 10, budget: false }` and a 250 ms attempt timeout
 * making 60 % keyed POSTs, 30 % GETs and 10 % un-keyed POSTs. It counts
 * what the server applied, so duplicated side effects show.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createClient } from "../../src/client/create-client.js";
import { seededRandom as prng } from "../../src/testing/chaos.js";

type Fault = "reset" | "lost" | "cut" | "500" | "503" | "429" | "429ms" | "429zero" | "stall" | "none";

/** Cumulative probabilities of each fault per attempt (20 % in all). */
type FaultTable = ReadonlyArray<readonly [number, Fault]>;

const FAULTS: FaultTable = [
  [0.04, "reset"],
  [0.07, "lost"],
  [0.1, "cut"],
  [0.12, "500"],
  [0.14, "503"],
  [0.15, "429"],
  [0.17, "429ms"],
  [0.2, "stall"],
];

/**
 * The goodput run's faults (20 % of attempts in each table), each answered or
 * cut at once, so what it measures is what handling them costs: "all" mixes
 * resets before processing, bodies cut half-way, 500/503 and 429 with
 * `Retry-After: 0`; "status" and "connection" split them by kind.
 */
export const GOODPUT_FAULTS = {
  none: [],
  all: [
    [0.05, "reset"],
    [0.1, "cut"],
    [0.13, "500"],
    [0.16, "503"],
    [0.2, "429zero"],
  ],
  status: [
    [0.07, "500"],
    [0.14, "503"],
    [0.2, "429zero"],
  ],
  connection: [
    [0.1, "reset"],
    [0.2, "cut"],
  ],
} satisfies Record<string, FaultTable>;

export type GoodputFaults = keyof typeof GOODPUT_FAULTS;

function pick(random: () => number, table: FaultTable): Fault {
  const r = random();
  for (const [p, f] of table) if (r < p) return f;
  return "none";
}

/** Answered before any fault is drawn: `{ attempts, faults, cpuUs }` so far (for a server in another process). */
export const STATS_PATH = "/__stats";

export interface SoakServer {
  url: string;
  /** Side effects applied, per operation id (un-keyed POST) or idempotency key. */
  applied: Map<string, number>;
  /** Per un-keyed operation, the answer each attempt got ("429" or what else). */
  unkeyedAttempts: Map<string, string[]>;
  faults: Record<string, number>;
  attempts: number;
  close(): Promise<void>;
}

export async function startSoakServer(seed: number, table: FaultTable = FAULTS): Promise<SoakServer> {
  const random = prng(seed);
  const applied = new Map<string, number>();
  const unkeyedAttempts = new Map<string, string[]>();
  const stored = new Map<string, string>();
  const faults: Record<string, number> = {};
  const sockets = new Set<Socket>();
  let attempts = 0;
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    if (req.url === STATS_PATH) {
      const cpu = process.cpuUsage();
      return res.end(JSON.stringify({ attempts, faults, cpuUs: cpu.user + cpu.system }));
    }
    attempts++;
    const fault = pick(random, table);
    faults[fault] = (faults[fault] ?? 0) + 1;
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      const key = req.headers["idempotency-key"] as string | undefined;
      const op = req.method === "POST" && key === undefined ? (JSON.parse(body) as { op: string }).op : undefined;
      if (op !== undefined) {
        const list = unkeyedAttempts.get(op) ?? [];
        list.push(fault === "429" || fault === "429ms" || fault === "429zero" ? "429" : fault);
        unkeyedAttempts.set(op, list);
      }
      // Faults before processing: nothing applied.
      if (fault === "reset") return req.socket.resetAndDestroy();
      if (fault === "stall") return; // never answers; the client's attempt timeout ends it
      if (fault === "500" || fault === "503") return res.writeHead(Number(fault), { "content-type": "application/json" }).end('{"error":"unavailable"}');
      if (fault === "429") return res.writeHead(429, { "retry-after": "1", "content-type": "application/json" }).end('{"error":"slow down"}');
      if (fault === "429ms") return res.writeHead(429, { "retry-after-ms": "30", "content-type": "application/json" }).end('{"error":"slow down"}');
      if (fault === "429zero") return res.writeHead(429, { "retry-after": "0", "content-type": "application/json" }).end('{"error":"slow down"}');

      let answer: string;
      if (req.method === "GET") answer = JSON.stringify({ id: req.url, items: Array.from({ length: 20 }, (_, i) => ({ i, name: `item ${i}` })) });
      else {
        const id = key ?? (op as string);
        const replay = key === undefined ? undefined : stored.get(key);
        if (replay !== undefined) answer = replay;
        else {
          applied.set(id, (applied.get(id) ?? 0) + 1);
          answer = JSON.stringify({ id, applied: true, padding: "x".repeat(512) });
          if (key !== undefined) stored.set(key, answer);
        }
      }
      // Faults after the side effect: the answer is lost, or cut half-way after the headers.
      if (fault === "lost") return req.socket.resetAndDestroy();
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
      if (fault === "cut") {
        res.write(answer.slice(0, answer.length >> 1));
        return req.socket.destroy();
      }
      res.end(answer);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    applied,
    unkeyedAttempts,
    faults,
    get attempts() {
      return attempts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

type Kind = "keyedPost" | "get" | "unkeyedPost";

export interface SoakReport {
  calls: number;
  ms: number;
  attempts: number;
  faults: Record<string, number>;
  /** Calls per kind that succeeded / failed. */
  outcomes: Record<Kind, { ok: number; failed: number }>;
  /** Side effects applied more than once (must be 0). */
  duplicates: number;
  /** Keyed POSTs that succeeded but whose side effect is not applied exactly once (must be 0). */
  keyedNotOnce: number;
  /** Un-keyed POSTs retried after an attempt that was not a 429 (must be 0: it may have reached the server). */
  unkeyedRetriedAfterReaching: number;
  /** A few failure messages of keyed POSTs and GETs (must be none). */
  failures: string[];
}

export interface SoakOptions {
  calls: number;
  /** Calls in flight at once (default 64). */
  concurrency?: number;
  seed?: number;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? 1;
  const server = await startSoakServer(seed);
  const client = createClient({ baseUrl: server.url, retry: { attempts: 10, budget: false }, timeout: { attempt: 250 } });
  const random = prng(seed * 7919);
  const outcomes: SoakReport["outcomes"] = { keyedPost: { ok: 0, failed: 0 }, get: { ok: 0, failed: 0 }, unkeyedPost: { ok: 0, failed: 0 } };
  const keyed = new Set<string>();
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();

  async function one(): Promise<void> {
    const r = random();
    const kind: Kind = r < 0.6 ? "keyedPost" : r < 0.9 ? "get" : "unkeyedPost";
    const key = randomUUID();
    try {
      if (kind === "keyedPost") {
        await client.post("/orders", { json: { op: key }, idempotencyKey: key });
        keyed.add(key);
      } else if (kind === "get") await client.get("/orders/:n", { params: { n: next } });
      else await client.post("/orders", { json: { op: key } });
      outcomes[kind].ok++;
    } catch (err) {
      outcomes[kind].failed++;
      if (kind !== "unkeyedPost" && failures.length < 10) failures.push(`${kind}: ${(err as Error).message}`);
    }
  }

  async function worker(): Promise<void> {
    while (next < options.calls) {
      next++;
      await one();
    }
  }
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 64 }, worker));
  } finally {
    await client.close();
    await server.close();
  }

  let duplicates = 0;
  for (const n of server.applied.values()) if (n > 1) duplicates += n - 1;
  let keyedNotOnce = 0;
  for (const k of keyed) if (server.applied.get(k) !== 1) keyedNotOnce++;
  let unkeyedRetriedAfterReaching = 0;
  for (const list of server.unkeyedAttempts.values()) if (list.slice(0, -1).some((a) => a !== "429")) unkeyedRetriedAfterReaching++;
  return {
    calls: options.calls,
    ms: performance.now() - started,
    attempts: server.attempts,
    faults: server.faults,
    outcomes,
    duplicates,
    keyedNotOnce,
    unkeyedRetriedAfterReaching,
    failures,
  };
}
