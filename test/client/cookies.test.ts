import { describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isConfigError } from "../../src/errors.js";
import { cursor } from "../../src/pagination/cursor.js";
import { useSimulator } from "../support/simulator.js";

const env = useSimulator();

/** The cookie header the simulator received for one call. */
async function sentCookie(call: (client: ReturnType<typeof createClient>) => Promise<unknown>): Promise<string | undefined> {
  const route = env.sim.route("GET", "/me", { json: {} });
  const client = createClient({ baseUrl: env.sim.url, retry: false });
  try {
    await call(client);
  } finally {
    await client.close();
  }
  const header = route.requests.at(-1)?.headers.cookie;
  return Array.isArray(header) ? header.join("; ") : header;
}

describe("cookies: a call's cookies in the cookie header", () => {
  it("sends each as name=value, values percent-encoded, undefined ones left out", async () => {
    const cookie = await sentCookie((c) => c.get("/me", { cookies: { session: "a b;c", page: 2, debug: true, skipped: undefined } }));
    expect(cookie).toBe("session=a%20b%3Bc; page=2; debug=true");
  });

  it("comes after the cookies of a cookie header given in headers", async () => {
    const cookie = await sentCookie((c) => c.get("/me", { headers: { cookie: "theme=dark" }, cookies: { session: "s1" } }));
    expect(cookie).toBe("theme=dark; session=s1");
  });

  it("works for paginate's pages too", async () => {
    env.sim.collection("/list", [{ id: 1 }], { style: "cursor", pageSize: 10 });
    const client = createClient({ baseUrl: env.sim.url, retry: false });
    const items: unknown[] = [];
    for await (const item of client.paginate("/list", { cookies: { session: "s2" }, strategy: cursor({ next: "next_cursor", items: "data" }) }))
      items.push(item);
    await client.close();
    expect(items).toEqual([{ id: 1 }]);
    expect(env.sim.requests.at(-1)?.headers.cookie).toBe("session=s2");
  });

  it("refuses a name that is not a token and a value that is not a string, number or boolean, naming the cookie", async () => {
    const client = createClient({ baseUrl: env.sim.url });
    onTestFinished(() => client.close());
    const bad = [
      [{ "my session": "x" }, "cookies.my session"],
      [{ "a=b": "x" }, "cookies.a=b"],
      [{ session: { id: 1 } }, "cookies.session"],
    ] as const;
    for (const [cookies, option] of bad) {
      const error = await client.get("/me", { cookies: cookies as never }).catch((e: unknown) => e);
      expect(isConfigError(error) && error.option).toBe(option);
    }
    expect(env.sim.requests).toHaveLength(0);
  });
});
