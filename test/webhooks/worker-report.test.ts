import { describe, expect, it } from "vitest";
import { createWebhookWorker, memoryInbox, type WebhookInbox } from "../../src/webhooks/index.js";
import { useProcessWarnings } from "../support/process-warnings.js";
import { waitFor } from "../support/wait.js";

async function failingEvent(inbox: WebhookInbox): Promise<void> {
  const payload = Buffer.from(JSON.stringify({ id: "evt_1", type: "invoice.paid" }));
  await inbox.put({ id: "evt_1", scheme: "stripe", type: "invoice.paid", orderingKey: undefined, payload, headers: {}, receivedAt: Date.now() });
}

const failing = {
  "invoice.paid": () => {
    throw new Error("database is read-only");
  },
};

describe("a failing handler is reported by default", () => {
  const warnings = useProcessWarnings("BALLAST_WEBHOOK_HANDLER_FAILED");

  it("emits a process warning naming the event, attempt and error when no onError or logger is given", async () => {
    const inbox = memoryInbox();
    await failingEvent(inbox);
    await createWebhookWorker({ inbox, handlers: failing, maxAttempts: 3, backoff: () => 0 }).runOnce();
    await waitFor(() => warnings.caught.length > 0, { what: "the process warning" });
    expect(warnings.caught.map((w) => ({ code: (w as Error & { code?: unknown }).code, message: w.message }))).toEqual([
      {
        code: "BALLAST_WEBHOOK_HANDLER_FAILED",
        message: "ballast webhook handler failed for event evt_1 (invoice.paid, attempt 1): Error: database is read-only",
      },
    ]);
  });

  it("goes to logger.error when a logger is given, and only to onError when that is given", async () => {
    const logged: Array<[Record<string, unknown>, string]> = [];
    const inbox = memoryInbox();
    await failingEvent(inbox);
    await createWebhookWorker({ inbox, handlers: failing, backoff: () => 0, logger: { error: (obj, msg) => logged.push([obj, msg]) } }).runOnce();
    expect(logged).toEqual([
      [
        { id: "evt_1", type: "invoice.paid", attempt: 1, error: "Error: database is read-only" },
        "ballast webhook handler failed for event evt_1 (invoice.paid, attempt 1): Error: database is read-only",
      ],
    ]);
    const errors: unknown[] = [];
    const other = memoryInbox();
    await failingEvent(other);
    await createWebhookWorker({
      inbox: other,
      handlers: failing,
      backoff: () => 0,
      onError: (e) => errors.push(e),
      logger: { error: () => logged.push([{}, "not expected"]) },
    }).runOnce();
    expect(errors).toHaveLength(1);
    expect(logged).toHaveLength(1);
  });
});
