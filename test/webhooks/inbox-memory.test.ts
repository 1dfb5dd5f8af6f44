import { memoryInbox } from "../../src/webhooks/inbox/memory.js";
import { inboxContract } from "./inbox-contract.js";

inboxContract("memory", async () => ({ inbox: memoryInbox(), cleanup: async () => {} }));
