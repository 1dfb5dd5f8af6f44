import { describe, expect, expectTypeOf, it } from "vitest";
import {
  createWebhookReceiver,
  createWebhookWorker,
  type GitHubWebhookEvent,
  hmacScheme,
  memoryInbox,
  type StandardWebhookEvent,
  type StripeEvent,
  signWebhook,
} from "../../src/webhooks/index.js";
import { waitFor } from "../support/wait.js";

// Type-level specifications: `npm run typecheck` compiles this file, so a wrong event type fails the build.
describe("handler events typed by scheme", () => {
  it("gives stripe, github and standard handlers their scheme's event type, and custom schemes unknown", async () => {
    const inbox = memoryInbox();
    const seen: string[] = [];
    const receiver = createWebhookReceiver({
      scheme: "stripe",
      secret: "whsec_dGVzdA==",
      inbox,
      handlers: {
        "invoice.paid": (event) => {
          expectTypeOf(event).toEqualTypeOf<StripeEvent>();
          expectTypeOf(event.data.object).toBeAny();
          seen.push(`${event.type} ${event.id} ${event.livemode}`);
        },
      },
    });
    createWebhookWorker({
      inbox,
      scheme: "github",
      handlers: {
        "pull_request.opened": (event) => {
          expectTypeOf(event).toEqualTypeOf<GitHubWebhookEvent>();
          expectTypeOf(event.action).toEqualTypeOf<string | undefined>();
        },
      },
    });
    createWebhookWorker({
      inbox,
      scheme: "standard",
      handlers: { "user.created": (event) => expectTypeOf(event).toEqualTypeOf<StandardWebhookEvent>() },
    });
    createWebhookWorker({
      inbox,
      scheme: hmacScheme({ header: "x-signature" }),
      handlers: { any: (event) => expectTypeOf(event).toBeUnknown() },
    });
    // A handler may annotate its event with a narrower shape of its own.
    createWebhookWorker({
      inbox,
      scheme: "stripe",
      handlers: { "charge.succeeded": (event: { data: { object: { amount: number } } }) => event.data.object.amount },
    });
    // @ts-expect-error: a Stripe event has no `repository`; a handler cannot claim a shape the scheme never delivers.
    createWebhookWorker({ inbox, scheme: "stripe", handlers: { x: (event: { repository: { full_name: string }; zen: string }) => event.zen } });

    const body = JSON.stringify({ id: "evt_1", object: "event", type: "invoice.paid", livemode: false, created: 1, api_version: null, data: { object: {} } });
    const headers = signWebhook({ scheme: "stripe", payload: body, secret: "whsec_dGVzdA==" });
    await receiver.fetch(new Request("http://localhost/", { method: "POST", body, headers: { ...headers, "content-type": "application/json" } }));
    await waitFor(() => seen.length > 0, { what: "the handler to run" });
    await receiver.close();
    expect(seen).toEqual(["invoice.paid evt_1 false"]);
  });
});
