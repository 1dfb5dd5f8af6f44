import fc from "fast-check";
import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isConfigError } from "../../src/errors.js";
import { useServer } from "../support/http-server.js";

/** A server that resolves dot segments the way WHATWG URL parsers (Hono, Next.js, undici) do, and records what it routed. */
const routed: string[] = [];
const server = useServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://origin.invalid").pathname;
  routed.push(path);
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ path }));
});
beforeEach(() => {
  routed.length = 0;
});

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (e) {
    return e;
  }
}

describe("path params cannot move a request outside its template", () => {
  for (const value of ["..", ".", ""]) {
    it(`a param of ${JSON.stringify(value)} is a ConfigError and nothing is sent`, async () => {
      const c = createClient({ baseUrl: `${server.origin}/v1`, retry: false });
      onTestFinished(() => c.close());
      const err = await outcome(() => c.get("/accounts/:id/charges", { params: { id: value } }));
      expect(isConfigError(err)).toBe(true);
      expect((err as { option: string }).option).toBe("params.id");
      expect(routed).toEqual([]);
    });
  }

  it("values that merely contain dots or slashes are encoded and stay inside their segment", async () => {
    const c = createClient({ baseUrl: `${server.origin}/v1`, retry: false });
    onTestFinished(() => c.close());
    for (const id of ["...", "../x", "a/../..", "%2e%2e", ".%2e", "..\\..", "..;"]) {
      expect(await c.get("/accounts/:id/charges", { params: { id } })).toEqual({ path: `/v1/accounts/${encodeURIComponent(id)}/charges` });
    }
  });

  it("property: whatever the values, the server routes inside the template's prefix with the template's segment count", async () => {
    const c = createClient({ baseUrl: `${server.origin}/v1`, retry: false });
    onTestFinished(() => c.close());
    const piece = fc.constantFrom(".", "..", "/", "\\", "%", "2e", "2E", "%2e", "?", "#", ";", "a", " ", "\u0000", "\u2024", "．");
    const value = fc.oneof(
      fc.array(piece, { maxLength: 6 }).map((xs) => xs.join("")),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(value, value, async (a, b) => {
        const result = await outcome(() => c.get("/accounts/:a/items/:b", { params: { a, b } }));
        if (isConfigError(result)) {
          expect([a, b].some((v) => v === "" || v === "." || v === "..")).toBe(true);
          return;
        }
        const path = (result as { path: string }).path;
        const segments = path.split("/");
        expect(segments.length).toBe(6);
        expect([segments[1], segments[2], segments[4]]).toEqual(["v1", "accounts", "items"]);
      }),
      { numRuns: 300 },
    );
  });
});
