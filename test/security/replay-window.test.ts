import { describe, expect, it } from "vitest";
import { isConfigError } from "../../src/errors.js";
import { createWebhookReceiver, hmacScheme, memoryInbox, signWebhook, verifyWebhook, type WebhookScheme } from "../../src/webhooks/index.js";
import { thrownBy } from "../support/failure.js";

const YEAR = 365 * 24 * 3600 * 1000;
const body = JSON.stringify({ id: "evt_1", type: "charge.succeeded" });

const cases: Array<[string, WebhookScheme | "stripe" | "standard", string]> = [
  ["stripe", "stripe", "whsec_test_secret_0123456789abcdef"],
  ["standard", "standard", `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`],
  ["hmacScheme with a timestamp", hmacScheme({ header: "x-sig", timestampHeader: "x-ts" }), "hmac-secret-0123456789"],
];

describe("the replay window cannot be switched off by accident", () => {
  for (const [name, scheme, secret] of cases) {
    describe(name, () => {
      const headers = signWebhook({ scheme, payload: body, secret, timestamp: Date.now() - YEAR });

      it("a year-old delivery is refused by default", () => {
        expect(thrownBy(() => verifyWebhook({ scheme, payload: body, headers, secret }))).toMatchObject({ reason: "timestamp_out_of_tolerance" });
      });

      for (const tolerance of [0, "0s", "0ms", -1, Number.NaN] as const) {
        it(`tolerance: ${String(tolerance)} is a ConfigError naming the option`, () => {
          const err = thrownBy(() => verifyWebhook({ scheme, payload: body, headers, secret, tolerance: tolerance as never }));
          expect(isConfigError(err)).toBe(true);
          expect((err as { option: string }).option).toBe("tolerance");
        });
      }

      it("tolerance: false (and only false) disables it", () => {
        expect(verifyWebhook({ scheme, payload: body, headers, secret, tolerance: false }).event).toEqual(JSON.parse(body));
      });

      it("the receiver refuses tolerance: 0 at construction too", async () => {
        const ok = createWebhookReceiver({ scheme, secret, inbox: memoryInbox(), handlers: {}, tolerance: "5m" });
        await ok.close();
        const err = thrownBy(() => createWebhookReceiver({ scheme, secret, inbox: memoryInbox(), handlers: {}, tolerance: 0 }));
        expect(isConfigError(err)).toBe(true);
        expect((err as { option: string }).option).toBe("tolerance");
      });
    });
  }

  it("hmacScheme({ tolerance: 0 }) is a ConfigError", () => {
    const err = thrownBy(() => hmacScheme({ header: "x-sig", timestampHeader: "x-ts", tolerance: 0 }));
    expect(isConfigError(err)).toBe(true);
    expect((err as { option: string }).option).toBe("hmac.tolerance");
  });
});
