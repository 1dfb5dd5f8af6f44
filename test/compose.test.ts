import { describe, expect, it } from "vitest";
import { compose } from "../src/compose.js";
import { isConfigError } from "../src/errors.js";
import type { ApiRequest, ApiResponse, Middleware } from "../src/types.js";

const req = { method: "GET", origin: "http://x.test", path: "/", route: "/", headers: {}, replayable: true, attempt: 1, context: {} } as ApiRequest;
const ok = (r: ApiRequest): Promise<ApiResponse> => Promise.resolve({ status: 200, headers: {}, body: null, request: r, attempts: 1 });

describe("compose", () => {
  it("runs middleware outer to inner, then the end, and unwinds back", async () => {
    const order: string[] = [];
    const step =
      (n: string): Middleware =>
      async (r, next) => {
        order.push(`>${n}`);
        const res = await next({ ...r, headers: { ...r.headers, [n]: "1" } });
        order.push(`<${n}`);
        return res;
      };
    const res = await compose([step("a"), step("b")], ok)(req);
    expect(order).toEqual([">a", ">b", "<b", "<a"]);
    expect(res.request.headers).toEqual({ a: "1", b: "1" });
  });

  it("rejects a step that calls next() while its previous call is pending", async () => {
    const twice: Middleware = function twice(r, next) {
      void next(r);
      return next(r);
    };
    await expect(compose([twice], ok)(req)).rejects.toThrow(/"twice" called next\(\) while a previous call was still pending/);
  });

  it("allows sequential calls to next() (a retry)", async () => {
    let n = 0;
    const again: Middleware = async (r, next) => {
      await next(r);
      return next(r);
    };
    await compose([again], (r) => {
      n++;
      return ok(r);
    })(req);
    expect(n).toBe(2);
  });

  it("refuses a step that is not a function", () => {
    let caught: unknown;
    try {
      compose([42 as unknown as Middleware], ok);
    } catch (e) {
      caught = e;
    }
    expect(isConfigError(caught)).toBe(true);
  });
});
