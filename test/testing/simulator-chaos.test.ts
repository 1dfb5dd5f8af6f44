import { Agent, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/index.js";
import { type ApiSimulator, type ChaosFault, type ChaosOptions, createApiSimulator } from "../../src/testing/index.js";
import { waitFor } from "../support/wait.js";

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

async function simulator(chaos: ChaosOptions): Promise<ApiSimulator> {
  const sim = await createApiSimulator({ chaos, log: false });
  opened.push(sim);
  sim.route("GET", "/items/:id", (req) => ({ json: { id: req.params.id, padding: "x".repeat(200) } }));
  return sim;
}

function agent(): Agent {
  const a = new Agent();
  opened.push(a);
  return a;
}

type Outcome = ChaosFault | "ok";

/** What one plain request (no retries) ran into, told apart by what the client sees. */
async function outcomeOf(sim: ApiSimulator, dispatcher: Agent, i: number): Promise<Outcome> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(`${sim.url}/items/${i}`, { dispatcher });
  } catch {
    return "reset";
  }
  if (res.statusCode === 500 || res.statusCode === 429) {
    if (res.statusCode === 429) expect(res.headers["retry-after"]).toBe("1");
    await res.body.dump();
    return String(res.statusCode) as "500" | "429";
  }
  expect(res.statusCode).toBe(200);
  try {
    await res.body.json();
    return "ok";
  } catch {
    return "truncate";
  }
}

async function sequence(sim: ApiSimulator, n: number): Promise<Outcome[]> {
  const dispatcher = agent();
  const out: Outcome[] = [];
  for (let i = 0; i < n; i++) out.push(await outcomeOf(sim, dispatcher, i));
  return out;
}

const noStall: ChaosFault[] = ["reset", "500", "429", "truncate"];

describe("chaos: options", () => {
  it("refuses invalid options at construction with a ConfigError naming the option", async () => {
    const cases: Array<[unknown, string]> = [
      [null, "chaos"],
      [{ rate: 1.5 }, "chaos.rate"],
      [{ rate: -0.1 }, "chaos.rate"],
      [{ rate: "0.1" }, "chaos.rate"],
      [{}, "chaos.rate"],
      [{ rate: 0.1, faults: [] }, "chaos.faults"],
      [{ rate: 0.1, faults: ["502"] }, "chaos.faults"],
      [{ rate: 0.1, seed: -1 }, "chaos.seed"],
      [{ rate: 0.1, seed: 1.5 }, "chaos.seed"],
      [{ rate: 0.1, retryAfter: -1 }, "chaos.retryAfter"],
      [{ rate: 0.1, onFault: "log" }, "chaos.onFault"],
    ];
    for (const [chaos, option] of cases) {
      await expect(createApiSimulator({ chaos: chaos as ChaosOptions })).rejects.toMatchObject({ code: "BALLAST_CONFIG", option });
    }
  });

  it("rate 0 never faults; rate 1 always does", async () => {
    const calm = await simulator({ rate: 0, seed: 1 });
    expect(new Set(await sequence(calm, 50))).toEqual(new Set(["ok"]));
    const wild = await simulator({ rate: 1, faults: ["500"], seed: 1 });
    expect(new Set(await sequence(wild, 50))).toEqual(new Set(["500"]));
  });
});

describe("chaos: 503 and onFault", () => {
  it("503 is a fault to ask for, and onFault hears each fault with its request", async () => {
    const heard: string[] = [];
    const sim = await simulator({ rate: 1, faults: ["503"], seed: 9, onFault: (fault, req) => heard.push(`${fault} ${req.method} ${req.path}`) });
    const res = await request(`${sim.url}/items/1`, { dispatcher: agent() });
    await res.body.dump();
    expect(res.statusCode).toBe(503);
    expect(heard).toEqual(["503 GET /items/1"]);
  });
});

describe("chaos: determinism", () => {
  it("the same seed gives the same faults in the same order; another seed, others", async () => {
    const a = await simulator({ rate: 0.3, faults: noStall, seed: 1234 });
    const b = await simulator({ rate: 0.3, faults: noStall, seed: 1234 });
    const c = await simulator({ rate: 0.3, faults: noStall, seed: 4321 });
    const [ra, rb, rc] = [await sequence(a, 120), await sequence(b, 120), await sequence(c, 120)];
    expect(ra).toEqual(rb);
    expect(rc).not.toEqual(ra);
    expect(new Set(ra)).toEqual(new Set(["ok", ...noStall]));
    expect(a.chaos?.seed).toBe(1234);
  });

  it("sim.reset() restarts the sequence from the seed and zeroes the counts", async () => {
    const sim = await simulator({ rate: 0.3, faults: noStall, seed: 99 });
    const first = await sequence(sim, 60);
    sim.reset();
    expect(sim.chaos).toMatchObject({ seen: 0, faults: { reset: 0, "500": 0, "503": 0, "429": 0, stall: 0, truncate: 0 } });
    expect(await sequence(sim, 60)).toEqual(first);
  });

  it("without a seed, picks one that sim.chaos.seed reports, and that seed replays the run", async () => {
    const random = await simulator({ rate: 0.3, faults: noStall });
    const seed = random.chaos?.seed as number;
    expect(Number.isInteger(seed)).toBe(true);
    const replay = await simulator({ rate: 0.3, faults: noStall, seed });
    expect(await sequence(replay, 80)).toEqual(await sequence(random, 80));
  });

  it("method and path limit chaos to the requests they match", async () => {
    const sim = await simulator({ rate: 1, faults: ["500"], seed: 5, method: "POST", path: "/charges" });
    sim.route("POST", "/charges", { status: 201, json: { id: "ch_1" } });
    expect(new Set(await sequence(sim, 10))).toEqual(new Set(["ok"]));
    const res = await request(`${sim.url}/charges`, { method: "POST", dispatcher: agent() });
    await res.body.dump();
    expect(res.statusCode).toBe(500);
    expect(sim.chaos).toMatchObject({ seen: 1, faults: { "500": 1 } });
  });
});

describe("chaos: provider simulators", () => {
  it("a provider simulator takes chaos, and answers its 429s in the provider's error shape", async () => {
    const sim = await createApiSimulator({ provider: "stripe", chaos: { rate: 1, faults: ["429"], seed: 3 } });
    opened.push(sim);
    const res = await request(`${sim.url}/v1/customers`, { headers: { authorization: "Bearer sk_test_abcdef" }, dispatcher: agent() });
    expect(res.statusCode).toBe(429);
    expect(res.headers["retry-after"]).toBe("1");
    expect(await res.body.json()).toMatchObject({ error: { type: expect.any(String) } });
  });
});

describe("chaos: faults over real sockets", () => {
  it("each fault kind happens at about the rate, and the client sees exactly the faults the simulator counted", async () => {
    const rate = 0.2;
    const n = 1000;
    const sim = await simulator({ rate, seed: 2026 });
    const dispatcher = agent();
    const seen: Record<Outcome, number> = { ok: 0, reset: 0, "500": 0, "503": 0, "429": 0, stall: 0, truncate: 0 };
    const pending: Array<Promise<void>> = [];
    let settled = 0;
    // Batches of 50 at once; a stalled request never settles, so each batch waits for all but the stalled ones.
    for (let sent = 0; sent < n; ) {
      for (let k = 0; k < 50; k++, sent++) {
        pending.push(
          outcomeOf(sim, dispatcher, sent).then(
            (o) => {
              seen[o]++;
              settled++;
            },
            () => {},
          ),
        );
      }
      const target = sent;
      await waitFor(() => settled + (sim.chaos?.faults.stall ?? 0) === target, { timeout: 10_000, what: `batch ending at ${target}` });
    }
    const counted = sim.chaos!;
    expect(counted.seen).toBe(n);
    for (const fault of ["reset", "500", "429", "truncate"] as const) expect(seen[fault]).toBe(counted.faults[fault]);
    expect(settled).toBe(n - counted.faults.stall);
    // Binomial: 40 expected of each kind (1000 × 0.2 / 5); ±50 % is more than three standard deviations.
    for (const fault of ["reset", "500", "429", "stall", "truncate"] as const) {
      expect(counted.faults[fault]).toBeGreaterThanOrEqual(20);
      expect(counted.faults[fault]).toBeLessThanOrEqual(60);
    }
    expect(seen.ok).toBeGreaterThanOrEqual(750);
    expect(seen.ok).toBeLessThanOrEqual(850);
    // Closing the simulator ends the stalled requests.
    await sim.close();
    await Promise.all(pending);
  });

  it("a client with retries survives chaos: every idempotent call succeeds and each charge is made once", async () => {
    const sim = await createApiSimulator({ chaos: { rate: 0.1, seed: 77, retryAfter: 0 } });
    opened.push(sim);
    sim.route("GET", "/items/:id", (req) => ({ json: { id: req.params.id } }));
    let next = 0;
    const charges = sim.route("POST", "/charges", (req) => ({ status: 201, json: { id: `ch_${++next}`, amount: req.json<{ amount: number }>().amount } }), {
      idempotency: true,
    });
    // No retry budget: this is about every call getting through, not about stopping a storm; stalls end at
    // the attempt timeout, generous for a loaded machine.
    const client = createClient({
      baseUrl: sim.url,
      retry: { attempts: 10, budget: false },
      timeout: { attempt: 3_000, total: 120_000 },
      concurrency: 20,
    });
    opened.push(client);

    const calls = 200;
    const results = await Promise.allSettled(
      Array.from({ length: calls }, (_, i) =>
        i % 2 === 0
          ? client.get<{ id: string }>("/items/:id", { params: { id: String(i) } }).then((r) => r.id === String(i))
          : client.post<{ amount: number }>("/charges", { json: { amount: i }, idempotencyKey: true }).then((r) => r.amount === i),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(results.every((r) => r.status === "fulfilled" && r.value)).toBe(true);
    // Chaos did strike, every kind of it, and no charge was made twice.
    const faults = sim.chaos!.faults;
    for (const kind of ["reset", "500", "429", "stall", "truncate"] as const) expect(faults[kind]).toBeGreaterThan(0);
    expect(charges.effects).toBe(calls / 2);
    expect(new Set(charges.requests.map((r) => r.headers["idempotency-key"])).size).toBe(calls / 2);
  });
});
