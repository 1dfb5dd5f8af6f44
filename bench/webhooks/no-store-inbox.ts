import type { WebhookInbox } from "../../src/webhooks/index.js";

/** An inbox that stores nothing: a receiver on it verifies and answers, the receiver benchmarks' ceiling. */
export function noStoreInbox(): WebhookInbox {
  const none = async () => false;
  return {
    kind: "none",
    put: async () => "stored",
    claim: async () => [],
    complete: none,
    retry: none,
    deadLetter: none,
    get: async () => undefined,
    list: async () => [],
    replay: none,
    purge: async () => 0,
    close: async () => {},
  };
}
