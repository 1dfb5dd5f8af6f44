import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApiSimulator } from "../../src/testing/index.js";
import { useSimulator } from "../support/simulator.js";
import { runCli, useCli } from "./support/built-cli.js";

const env = useSimulator();
const dir = mkdtempSync(join(tmpdir(), "ballast-cli-request-"));
const items = Array.from({ length: 57 }, (_, i) => ({ id: `it_${String(i).padStart(3, "0")}` }));

useCli();
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const lines = (text: string) => text.split("\n").filter(Boolean);

describe("ballast request METHOD URL", () => {
  it("prints the body exactly as received when stdout is not a terminal, and exits 0", async () => {
    env.sim.route("GET", "/v1/customers/:id", { json: { id: "cus_1", name: "Ada" } });
    const r = await runCli(["request", "GET", `${env.sim.url}/v1/customers/cus_1`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"id":"cus_1","name":"Ada"}');
    expect(r.stderr).toBe("");
  });

  it("-i prints the status line and headers before the body", async () => {
    env.sim.route("GET", "/thing", { headers: { "x-request-id": "req_7" }, json: { ok: true } });
    const r = await runCli(["request", "-i", "GET", `${env.sim.url}/thing`]);
    expect(r.code).toBe(0);
    const [status, ...rest] = r.stdout.split("\n");
    expect(status).toBe("HTTP 200 OK");
    expect(rest).toContain("x-request-id: req_7");
    expect(rest).toContain("content-type: application/json");
    expect(r.stdout.endsWith('\n\n{"ok":true}')).toBe(true);
  });

  it("sends --query, --header, --form and resolves relative paths against --base-url", async () => {
    const route = env.sim.route("POST", "/v1/charges", { status: 201, json: { id: "ch_1" } });
    const r = await runCli([
      "request",
      "--base-url",
      `${env.sim.url}/v1`,
      "POST",
      "/charges",
      "--query",
      "expand[]=customer",
      "-H",
      "X-Tenant: t1",
      "--form",
      "amount=2000",
      "--form",
      "metadata[order]=o_1",
    ]);
    expect(r.code).toBe(0);
    const req = route.requests[0]!;
    expect(req.url).toBe("/v1/charges?expand%5B%5D=customer");
    expect(req.headers["x-tenant"]).toBe("t1");
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req.form().get("metadata[order]")).toBe("o_1");
    expect(req.form().get("amount")).toBe("2000");
  });

  it("--json with --idempotency-key auto: a POST whose answer is lost is retried with the same key, and the charge is made once", async () => {
    let lose = true;
    const route = env.sim.route(
      "POST",
      "/v1/charges",
      (req) => {
        const charge = { status: 201, json: { id: `ch_${req.seq}`, amount: req.json<{ amount: number }>().amount } };
        if (!lose) return charge;
        lose = false;
        return { ...charge, fault: "reset" as const };
      },
      { idempotency: true },
    );
    const r = await runCli(["request", "POST", `${env.sim.url}/v1/charges`, "--json", '{"amount":2000}', "--idempotency-key", "auto"]);
    expect(r.code).toBe(0);
    expect(route.calls).toBe(2);
    expect(route.effects).toBe(1);
    const keys = new Set(route.requests.map((q) => q.headers["idempotency-key"]));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(r.stdout)).toEqual({ id: expect.stringMatching(/^ch_/), amount: 2000 });
  });

  it("--data sends the text as is, application/json when it parses as JSON", async () => {
    const route = env.sim.route("PUT", "/doc", { status: 204 });
    const r = await runCli(["request", "PUT", `${env.sim.url}/doc`, "--data", '{"a": 1}']);
    expect(r.code).toBe(0);
    expect(route.requests[0]!.text()).toBe('{"a": 1}');
    expect(route.requests[0]!.headers["content-type"]).toBe("application/json");
  });

  it("takes the bearer token from the environment variable --bearer-env names, and never prints it", async () => {
    const route = env.sim.route("GET", "/me", {
      status: 401,
      headers: { "x-request-id": "req_auth" },
      json: { error: { message: "Invalid API key provided" } },
    });
    const secret = "sk_test_cli_secret_0123456789";
    const r = await runCli(["request", "GET", `${env.sim.url}/me`, "--bearer-env", "EXAMPLE_TOKEN"], { env: { EXAMPLE_TOKEN: secret } });
    expect(route.requests[0]!.headers.authorization).toBe(`Bearer ${secret}`);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it("--api-key-env sends the key in --api-key-header", async () => {
    const route = env.sim.route("GET", "/me", { json: {} });
    const r = await runCli(["request", "GET", `${env.sim.url}/me`, "--api-key-env", "K", "--api-key-header", "X-Key"], { env: { K: "key-123" } });
    expect(r.code).toBe(0);
    expect(route.requests[0]!.headers["x-key"]).toBe("key-123");
  });

  it("a missing environment variable is a usage error (exit 2) that names the variable", async () => {
    const r = await runCli(["request", "GET", `${env.sim.url}/me`, "--bearer-env", "NOT_SET_ANYWHERE"], { env: { NOT_SET_ANYWHERE: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("NOT_SET_ANYWHERE is not set");
    expect(env.sim.requests).toHaveLength(0);
  });

  it("on an HTTP error: exit 1, the API's message and the request id on stderr, nothing on stdout", async () => {
    env.sim.route("GET", "/v1/customers/:id", (req) => {
      const reply = env.sim.problem(404, { title: "Not found", detail: `No such customer: '${req.params.id}'` });
      return { ...reply, headers: { ...reply.headers, "x-request-id": "req_404" } };
    });
    const r = await runCli(["request", "GET", `${env.sim.url}/v1/customers/cus_x`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("HTTP 404");
    expect(r.stderr).toContain("No such customer: 'cus_x'");
    expect(r.stderr).toContain("request id: req_404");
  });

  it("reads the API's message from its own error shape (not only problem+json)", async () => {
    env.sim.route("POST", "/v1/charges", {
      status: 402,
      headers: { "request-id": "req_card" },
      json: { error: { type: "card_error", code: "card_declined", message: "Your card was declined." } },
    });
    const r = await runCli(["request", "POST", `${env.sim.url}/v1/charges`, "--json", '{"amount":1}']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("HTTP 402");
    expect(r.stderr).toContain("Your card was declined.");
    expect(r.stderr).toContain("request id: req_card");
  });

  it("retries 503s before answering, and reports the attempts when it still fails", async () => {
    const route = env.sim.route("GET", "/flaky", { status: 503, headers: { "retry-after": "0" } });
    const r = await runCli(["request", "GET", `${env.sim.url}/flaky`, "--retries", "2"]);
    expect(r.code).toBe(1);
    expect(route.calls).toBe(3);
    expect(r.stderr).toContain("attempts: 3");
  });

  it("usage errors exit 2: a relative path without a base URL, an unknown method, two bodies, invalid --json", async () => {
    for (const args of [
      ["request", "GET", "/v1/x"],
      ["request", "FETCH", `${env.sim.url}/x`],
      ["request", "POST", `${env.sim.url}/x`, "--json", "{}", "--data", "x"],
      ["request", "POST", `${env.sim.url}/x`, "--json", "{nope"],
      ["request", "GET", `${env.sim.url}/x`, "--paginate", "sideways", "--all"],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/ballast: |error: /);
    }
    expect(env.sim.requests).toHaveLength(0);
  });

  it("has --help that lists the options and exit codes", async () => {
    const r = await runCli(["request", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of [
      "--data",
      "--json",
      "--form",
      "--query",
      "--header",
      "--idempotency-key",
      "--bearer-env",
      "--api-key-env",
      "--all",
      "--paginate",
      "--max-items",
      "--out",
    ])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain("Exit codes");
  });
});

describe("ballast request PROVIDER", () => {
  const key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

  it("uses the provider profile: its credential from the usual environment variable, its form encoding, its pagination", async () => {
    const stripe = await createApiSimulator({ provider: "stripe" });
    try {
      const env = { STRIPE_SECRET_KEY: key };
      for (const name of ["Ada", "Grace", "Linus"]) {
        const r = await runCli(
          ["request", "stripe", "POST", "/v1/customers", "--base-url", stripe.url, "--form", `name=${name}`, "--form", "metadata[team]=core"],
          { env },
        );
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ object: "customer", name, metadata: { team: "core" } });
      }
      const posts = stripe.requests.filter((q) => q.method === "POST");
      expect(posts.every((q) => q.headers.authorization === `Bearer ${key}` && typeof q.headers["idempotency-key"] === "string")).toBe(true);
      const all = await runCli(["request", "stripe", "GET", "/v1/customers", "--base-url", stripe.url, "--all", "--query", "limit=2"], { env });
      expect(all.code, all.stderr).toBe(0);
      expect(
        lines(all.stdout)
          .map((l) => JSON.parse(l).name)
          .sort(),
      ).toEqual(["Ada", "Grace", "Linus"]);
      expect(all.stderr).toContain("3 items from 2 pages, stripe's pagination");
      expect(all.stdout + all.stderr).not.toContain(key);
    } finally {
      await stripe.close();
    }
  });

  it("a missing provider credential is a usage error naming its environment variables; an unknown provider too", async () => {
    const r = await runCli(["request", "stripe", "GET", "/v1/customers"], { env: { STRIPE_SECRET_KEY: undefined, STRIPE_API_KEY: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("STRIPE_SECRET_KEY or STRIPE_API_KEY");
    const unknown = await runCli(["request", "friendster", "GET", "/x"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown provider "friendster"');
  });
});

describe("ballast request --all", () => {
  for (const style of ["cursor", "offset", "page", "link", "next-url", "stripe"] as const) {
    it(`detects ${style} pagination and writes every item as one JSON line, in order`, async () => {
      env.sim.collection("/items", items, { style, pageSize: 10 });
      const r = await runCli(["request", "GET", `${env.sim.url}/items`, "--all"]);
      expect(r.code, r.stderr).toBe(0);
      expect(lines(r.stdout).map((l) => JSON.parse(l))).toEqual(items);
      expect(r.stderr).toContain("57 items from 6 pages");
    });
  }

  it("--max-items stops exactly there and fetches no page beyond it", async () => {
    const route = env.sim.collection("/items", items, { style: "cursor", pageSize: 10 });
    const r = await runCli(["request", "GET", `${env.sim.url}/items`, "--all", "--max-items", "25"]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toHaveLength(25);
    expect(JSON.parse(lines(r.stdout)[24]!)).toEqual(items[24]);
    expect(route.calls).toBe(3);
  });

  it("--out writes the JSON Lines to a file; --paginate and --limit choose the strategy and page size", async () => {
    const route = env.sim.collection("/items", items, { style: "offset", pageSize: 10 });
    const out = join(dir, "items.jsonl");
    const r = await runCli(["request", "GET", `${env.sim.url}/items`, "--all", "--paginate", "offset", "--limit", "20", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toBe(items.map((i) => `${JSON.stringify(i)}\n`).join(""));
    expect(route.requests[0]!.query.limit).toBe("20");
    expect(r.stderr).toContain(`written to ${out}`);
  });

  it("keeps going through 503s and 429s: each page is retried, and the summary counts retries and rate-limit waits", async () => {
    env.sim.collection("/items", items, { style: "cursor", pageSize: 10 });
    let n = 0;
    env.sim.use((req) => {
      if (req.path !== "/items") return undefined;
      n++;
      if (n === 2) return { status: 503 };
      if (n === 4) return { status: 429, headers: { "retry-after": "0" } };
      return undefined;
    });
    const r = await runCli(["request", "GET", `${env.sim.url}/items`, "--all"]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => JSON.parse(l))).toEqual(items);
    expect(r.stderr).toMatch(/2 retries/);
  });

  it("follows Link pagination with the query of the first request", async () => {
    const route = env.sim.collection("/items", items, { style: "link", pageSize: 10 });
    const r = await runCli(["request", "GET", `${env.sim.url}/items`, "--all", "--query", "per_page=30"]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toHaveLength(57);
    expect(route.calls).toBe(2);
  });

  it("a body that is not a list is written as one line", async () => {
    env.sim.route("GET", "/one", { json: { id: "x" } });
    const r = await runCli(["request", "GET", `${env.sim.url}/one`, "--all"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"id":"x"}\n');
  });

  it("--all with a method other than GET is a usage error", async () => {
    const r = await runCli(["request", "POST", `${env.sim.url}/items`, "--all"]);
    expect(r.code).toBe(2);
  });
});
