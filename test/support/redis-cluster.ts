/**
 * A throwaway Redis Cluster (3 masters, 3 replicas) on loopback, owned by one
 * test file: real `redis-server --cluster-enabled yes` processes created with
 * `redis-cli --cluster create`, so a test may SIGKILL a master and watch the
 * failover. Locally, without redis-server/redis-cli the suite is skipped
 * loudly; under CI=true that is a failure (.ci/run installs redis-server).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { describe } from "vitest";
import { waitFor } from "./wait.js";

function has(binary: string): boolean {
  try {
    execFileSync(binary, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const available = has("redis-server") && has("redis-cli");

type Describe = typeof describe;
function gate(): Describe {
  if (available) return describe;
  if (process.env.CI === "true") throw new Error("redis-server/redis-cli are missing; under CI=true this is a failure (.ci/run installs redis-server)");
  console.warn("\n!!! SKIPPING Redis Cluster SUITE: redis-server and redis-cli are not installed. !!!\n");
  return describe.skip as unknown as Describe;
}

/** `describe` when a local cluster can be started; skipped loudly otherwise (a failure under CI). */
export const describeRedisCluster: Describe = gate();

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * The lowest port the kernel hands out for outgoing connections and `listen(0)`: every other test's sockets take
 * theirs from there up, so a node's port (and its bus port, +10000) below it cannot be taken between the check
 * that it is free and redis-server binding it.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** `count` ports whose cluster-bus ports (+10000) are free too, below the ephemeral range where it leaves room. */
async function freePorts(count: number): Promise<number[]> {
  const below = ephemeralLow() - 10_000;
  const [from, span] = below - 10_000 >= 1_000 ? [10_000, below - 10_000] : [20_000, 25_000];
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 500; tries++) {
    const port = from + Math.floor(Math.random() * span);
    if (ports.includes(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) ports.push(port);
  }
  if (ports.length < count) throw new Error("no free ports for a local Redis Cluster");
  return ports;
}

export interface ClusterNode {
  host: string;
  port: number;
}

export interface LocalRedisCluster {
  /** Seed nodes for `new Redis.Cluster(nodes)`. */
  nodes: ClusterNode[];
  /** The port of the master that serves `key`'s slot. */
  masterFor(key: string): Promise<number>;
  /** The ports of the current masters. */
  masters(): Promise<number[]>;
  /** SIGKILLs the server on `port`. */
  kill(port: number): void;
  /** Starts the server on `port` again (it rejoins as a replica after a failover). */
  restart(port: number): Promise<void>;
  /**
   * Waits until every live node reports `cluster_state:ok` and every replica
   * has synced with its master: only a synced replica can be promoted when
   * its master dies.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A one-shot connection that gives up at once (no reconnects, no queued commands, errors only rejected). */
function probe(port: number): Redis {
  const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  r.on("error", () => {});
  return r;
}

async function ping(port: number): Promise<boolean> {
  const r = probe(port);
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function info(port: number, section: string): Promise<string | undefined> {
  const r = probe(port);
  try {
    await r.connect();
    return String(await r.call("CLUSTER", section));
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

/** True when the node is a master, or a replica whose link to its master is up (it has synced). */
async function replicaSynced(port: number): Promise<boolean> {
  const r = probe(port);
  try {
    await r.connect();
    const replication = await r.info("replication");
    return replication.includes("role:master") || replication.includes("master_link_status:up");
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Starts 6 nodes and forms a cluster with one replica per master. `nodeTimeoutMs` bounds the failover. */
export async function startRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "ballast-cluster-"));
  const ports = await freePorts(6);
  const procs = new Map<number, ChildProcess>();
  const nodeTimeout = options.nodeTimeoutMs ?? 2000;

  const start = async (port: number) => {
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        String(nodeTimeout),
        // A replica that has never finished its first sync is never promoted (its data counts as "down since
        // ever"); Redis 7 waits 5 s before a diskless sync by default. Sync at once.
        "--repl-diskless-sync-delay",
        "0",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        join(dir, `${port}.log`),
      ],
      { stdio: "ignore" },
    );
    procs.set(port, child);
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server on port ${port} exited: ${logTail(port)}`);
        return ping(port);
      },
      { timeout: 10_000, what: `redis-server on port ${port} to answer` },
    );
  };

  /** The end of a node's log, for an error that says why it did not come up. */
  const logTail = (port: number) => {
    try {
      return readFileSync(join(dir, `${port}.log`), "utf8")
        .trim()
        .split("\n")
        .slice(-3)
        .join(" | ");
    } catch {
      return "(no log)";
    }
  };

  const stopAll = () => {
    for (const child of procs.values()) if (child.exitCode === null) child.kill("SIGKILL");
  };
  process.once("exit", stopAll);

  try {
    await Promise.all(ports.map(start));
    execFileSync("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"], {
      stdio: "ignore",
      timeout: 30_000,
    });
  } catch (e) {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const live = (port: number) => procs.get(port)?.exitCode === null && procs.get(port)?.signalCode === null;
  type Shard = [number, number, [string, number, ...unknown[]], ...unknown[]];
  const shards = async (r: Redis) => (await r.call("CLUSTER", "SLOTS")) as Shard[];
  /** Runs `fn` on a connection to a live node. */
  async function withSeed<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
    const r = new Redis({ port: ports.find(live) ?? ports[0]!, host: "127.0.0.1", maxRetriesPerRequest: 1 });
    // A node just killed may still look live: its errors reach the caller through `fn`'s rejection.
    r.on("error", () => {});
    try {
      return await fn(r);
    } finally {
      r.disconnect();
    }
  }

  const cluster: LocalRedisCluster = {
    nodes: ports.map((port) => ({ host: "127.0.0.1", port })),
    async masterFor(key) {
      return withSeed(async (r) => {
        const slot = Number(await r.call("CLUSTER", "KEYSLOT", key));
        const shard = (await shards(r)).find(([from, to]) => slot >= from && slot <= to);
        if (shard === undefined) throw new Error(`no master serves slot ${slot}`);
        return Number(shard[2][1]);
      });
    },
    async masters() {
      return withSeed(async (r) => [...new Set((await shards(r)).map((s) => Number(s[2][1])))]);
    },
    kill(port) {
      procs.get(port)?.kill("SIGKILL");
    },
    async restart(port) {
      await start(port);
    },
    async waitHealthy(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const states = await Promise.all(ports.filter(live).map((p) => info(p, "INFO")));
          if (!states.every((s) => s?.includes("cluster_state:ok"))) return false;
          return (await Promise.all(ports.filter(live).map(replicaSynced))).every(Boolean);
        },
        { timeout: timeoutMs, what: "every live cluster node to report cluster_state:ok and every replica to have synced" },
      );
    },
    async close() {
      stopAll();
      process.removeListener("exit", stopAll);
      await Promise.all(
        [...procs.values()].map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((resolve) => c.once("exit", resolve)))),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.waitHealthy();
  return cluster;
}
