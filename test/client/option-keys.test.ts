import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { type ConfigError, isConfigError, isHttpError } from "../../src/errors.js";
import { constantBackoff } from "../../src/middleware/retry/backoff.js";
import { linkHeader } from "../../src/pagination/index.js";
import { useProcessWarnings } from "../support/process-warnings.js";
import { useSimulator } from "../support/simulator.js";
import { waitFor } from "../support/wait.js";

const env = useSimulator();

/** The ConfigError `fn` throws (or its promise rejects with). */
async function configError(fn: () => unknown): Promise<ConfigError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(isConfigError(caught), `expected a ConfigError, got ${String(caught)}`).toBe(true);
  return caught as ConfigError;
}

// Options as code written for another client would pass them: the compiler refuses each (see types/option-keys.check.ts).
const loose = (o: Record<string, unknown>) => o as never;

describe("createClient refuses option names from other clients, and says what to write", () => {
  it.each([
    ["baseURL", { baseURL: "https://x.test" }, /axios's name: write baseUrl/],
    ["prefixUrl", { prefixUrl: "https://x.test" }, /ky's name: write baseUrl/],
    ["retries", { retries: 3 }, /retry: \{ attempts: 4 \}/],
    ["hooks", { hooks: {} }, /use: \[/],
    ["validateStatus", { validateStatus: () => true }, /client\.raw\(\)/],
    ["maxRedirects", { maxRedirects: 2 }, /redirect: "follow"/],
    ["retyr", { retry: undefined, retyr: 2 }, /did you mean retry\?/],
    ["Headers", { Headers: {} }, /did you mean headers\?/],
    ["retry.limit", { retry: { limit: 2 } }, /limit: 2 is attempts: 3/],
    ["retry.retries", { retry: { retries: 2 } }, /retries: 2 is attempts: 3/],
    ["timeout.request", { timeout: { request: 5000 } }, /write total/],
    ["timeout.connect", { timeout: { connect: 1000 } }, /transport: \{ connectTimeout \}/],
    ["retry", { retry: 0 }, /a number of tries in all/],
    ["retry", { retry: "3" }, /a number of tries in all/],
  ])("%s", async (option, extra, hint) => {
    const err = await configError(() => createClient(loose({ baseUrl: env.sim.url, ...extra })));
    expect(err.option).toBe(option);
    expect(err.message).toMatch(hint);
  });

  it("lists the options when nothing is close", async () => {
    const err = await configError(() => createClient(loose({ baseUrl: env.sim.url, zzzzzzzz: 1 })));
    expect(err.message).toMatch(/the options are baseUrl, auth, headers, timeout, retry/);
  });

  it("checks extend() the same way", async () => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const err = await configError(() => client.extend(loose({ baseURL: "https://y.test" })));
    expect(err.option).toBe("baseURL");
  });

  it("lets through a known option whose value is undefined and an unknown one that is undefined", () => {
    const client = createClient(loose({ baseUrl: env.sim.url, retry: undefined, retries: undefined }));
    expect(client.config.origin).toBe(env.sim.url);
  });
});

describe("calls refuse option names from other clients before sending", () => {
  it.each([
    ["data", { data: { a: 1 } }, /json: .*form:/],
    ["searchParams", { searchParams: { q: "x" } }, /query: \{ name: value \}/],
    ["url", { url: "/other" }, /the path is the first argument/],
    ["baseURL", { baseURL: "https://y.test" }, /absolute URL/],
    ["retries", { retries: 2 }, /retry: \{ attempts: 4 \}/],
    ["method", { method: "POST" }, /client\.request\(\{ method, path \}\)/],
    ["querry", { querry: { a: 1 } }, /did you mean query\?/],
    ["retry.limit", { retry: { limit: 1 } }, /limit: 2 is attempts: 3/],
    ["retry.backoff", { retry: { backoff: constantBackoff(1) } }, /set on the client; a call may change attempts only/],
    ["timeout.request", { timeout: { request: 1000 } }, /write total/],
    ["timeout", { timeout: "5 seconds" }, /a duration such as "1s"/],
  ])("%s", async (option, extra, hint) => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const err = await configError(() => client.get("/x", loose(extra)));
    expect(err.option).toBe(option);
    expect(err.message).toMatch(hint);
    expect(env.sim.requests).toHaveLength(0);
  });

  it("checks request(), paginate(), pages() and sse() too", async () => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    expect((await configError(() => client.request(loose({ path: "/x", data: 1 })))).option).toBe("data");
    const strategy = linkHeader();
    expect((await configError(() => client.paginate("/x", loose({ strategy, json: {} })).next())).message).toMatch(/is not taken by client\.paginate\(\)/);
    expect((await configError(() => client.pages("/x", loose({ strategy, perPage: 10 })).next())).option).toBe("perPage");
    expect((await configError(() => client.sse("/x", loose({ data: 1 })).next())).message).toMatch(/json: .*form:/);
    expect(env.sim.requests).toHaveLength(0);
  });
});

describe("retry as a number", () => {
  it("retry: 3 on the client is three tries in all", async () => {
    const route = env.sim.route("GET", "/flaky", [{ status: 503 }, { status: 503 }, { status: 503 }, { json: { ok: true } }]);
    const client = createClient({ baseUrl: env.sim.url, retry: 3 });
    onTestFinished(() => client.close());
    const err = await client.get("/flaky").catch((e: unknown) => e);
    expect(isHttpError(err) && err.attempts).toBe(3);
    expect(route.requests).toHaveLength(3);
  });

  it("retry: 2 on a call replaces the client's attempts", async () => {
    const route = env.sim.route("GET", "/flaky", [{ status: 503 }, { status: 503 }, { json: { ok: true } }]);
    const client = createClient({ baseUrl: env.sim.url, retry: { attempts: 5, backoff: constantBackoff(1) } });
    onTestFinished(() => client.close());
    await expect(client.get("/flaky", { retry: 2 })).rejects.toMatchObject({ status: 503, attempts: 2 });
    expect(route.requests).toHaveLength(2);
  });

  it("retry: 2 on extend() keeps the rest of the parent's retry policy out, as any replaced option", async () => {
    const route = env.sim.route("GET", "/flaky", [{ status: 503 }, { json: { ok: true } }]);
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    onTestFinished(() => client.close());
    expect(await client.extend({ retry: 2 }).get("/flaky")).toEqual({ ok: true });
    expect(route.requests).toHaveLength(2);
  });
});

describe("a timeout under 100 is in milliseconds: a warning says so", () => {
  // The warnings these short limits cause on purpose are caught here, not printed.
  const warnings = useProcessWarnings("BALLAST_TIMEOUT_UNITS");
  const ours = () => warnings.caught;

  it("warns once at construction, as a BallastWarning", async () => {
    const client = createClient({ baseUrl: env.sim.url, timeout: 5 });
    onTestFinished(() => client.close());
    await waitFor(() => ours().length === 1, { what: "the warning" });
    expect(ours()[0]?.name).toBe("BallastWarning");
    expect(ours()[0]?.message).toContain('timeout of 5 is in milliseconds; for 5 seconds write "5s" or 5000');
  });

  it("goes to the client's logger when it has one, not to the process", async () => {
    const lines: Array<[unknown, string]> = [];
    const at = (_level: string) => (obj: unknown, msg?: string) => void lines.push([obj, msg ?? ""]);
    const logger = { info: at("info"), warn: at("warn"), error: at("error") };
    const client = createClient({ baseUrl: env.sim.url, timeout: { attempt: 30 }, logger });
    expect(lines).toEqual([[{ code: "BALLAST_TIMEOUT_UNITS", option: "timeout", value: 30 }, expect.stringContaining("timeout of 30 is in milliseconds")]]);
    await client.close();
    // A warning would have been emitted on the next tick; a construction that does emit one proves the listener sees it.
    createClient({ baseUrl: env.sim.url, timeout: 7 });
    await waitFor(() => ours().length === 1, { what: "the control warning" });
    expect(ours().map((w) => w.message)).toEqual([expect.stringContaining("timeout of 7 ")]);
  });

  it("warns once per client for calls, and a number on a call bounds the whole call", async () => {
    env.sim.route("GET", "/slow", { json: {}, delay: 2000 });
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    await expect(client.get("/slow", { timeout: 50 })).rejects.toMatchObject({ code: "BALLAST_TIMEOUT" });
    await expect(client.get("/slow", { timeout: 60 })).rejects.toMatchObject({ code: "BALLAST_TIMEOUT" });
    await waitFor(() => ours().length >= 1, { what: "the warning" });
    expect(ours().map((w) => w.message)).toEqual([expect.stringContaining("a call's timeout of 50 is in milliseconds")]);
  });

  it("stays quiet for limits in milliseconds or duration strings", async () => {
    createClient({ baseUrl: env.sim.url, timeout: { attempt: 5000, total: "1m" } });
    createClient({ baseUrl: env.sim.url, timeout: "5s" });
    createClient({ baseUrl: env.sim.url, timeout: 7 }); // the control: seen, so the two above would have been too
    await waitFor(() => ours().length === 1, { what: "the control warning" });
    expect(ours().map((w) => w.message)).toEqual([expect.stringContaining("timeout of 7 ")]);
  });
});
