import { describe, expect, it } from "vitest";
import { type CliProcess, runCli, useCli } from "./support/built-cli.js";

const cli = useCli();

async function simulate(args: string[]): Promise<{ cli: CliProcess; url: string }> {
  const proc = await cli.start(["simulate", ...args]);
  const m = await proc.waitFor(/simulator listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return { cli: proc, url: m[1] as string };
}

describe("ballast simulate", () => {
  it("serves the sample API until SIGINT, then closes cleanly with exit 0", async () => {
    const { cli, url } = await simulate([]);
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ status: "ok" });
    const all = await runCli(["request", "GET", `${url}/v1/customers`, "--all"]);
    expect(all.code).toBe(0);
    expect(all.stdout.split("\n").filter(Boolean)).toHaveLength(250);
    const stopped = await cli.stop("SIGINT");
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(cli.stderr()).toMatch(/SIGINT: stopped after \d+ requests, 0 faults injected/);
    await expect(fetch(`${url}/health`)).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } });
  });

  it("--fault-rate injects faults (printed one per line) that ballast request rides out with retries", async () => {
    const { cli, url } = await simulate(["--fault-rate", "0.3", "--seed", "7", "--latency", "1ms"]);
    const all = await runCli(["request", "GET", `${url}/v1/customers`, "--all", "--retries", "8"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.split("\n").filter(Boolean)).toHaveLength(250);
    expect(cli.stdout()).toMatch(/fault (503|500|429|reset) {2}GET \/v1\/customers/);
    const faults = cli.stdout().match(/ fault /g)?.length ?? 0;
    expect(faults).toBeGreaterThan(0);
    expect(all.stderr).toMatch(/[1-9]\d* retr(y|ies)/);
    expect((await cli.stop("SIGTERM")).code).toBe(0);
  });

  it("POST /v1/charges honours the idempotency key: a repeated key replays the first charge", async () => {
    const { url } = await simulate([]);
    const args = ["request", "POST", `${url}/v1/charges`, "--json", '{"amount":500}', "--idempotency-key", "order-1"];
    const a = await runCli(args);
    const b = await runCli(args);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const list = await runCli(["request", "GET", `${url}/v1/charges`, "--all"]);
    expect(list.stdout.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("bad values are usage errors (exit 2); a port in use exits 1", async () => {
    expect((await runCli(["simulate", "--fault-rate", "2"])).code).toBe(2);
    expect((await runCli(["simulate", "--latency", "soon"])).code).toBe(2);
    const { url } = await simulate([]);
    const busy = await runCli(["simulate", "--port", new URL(url).port]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+/);
  });
});
