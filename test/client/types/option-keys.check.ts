/**
 * Option names from axios, ky and got are compile errors; `retry: 3` and a
 * per-call `timeout: 5000` compile. Typechecked by test/client/type-checks.test.ts.
 */
import { createClient, linkHeader } from "ballast";
import type { CLIENT_OPTIONS, REQUEST_OPTIONS } from "../../../src/client/option-keys.js";
import type { ClientOptions, RequestOptions } from "../../../src/client/options.js";

const client = createClient({ baseUrl: "https://api.example.com", retry: 3, timeout: "30s" });
createClient({ baseUrl: "https://api.example.com", retry: { attempts: 3 } });
createClient({ baseUrl: "https://api.example.com", retry: false });
// @ts-expect-error: axios's name
createClient({ baseURL: "https://api.example.com" });
// @ts-expect-error: ballast counts tries: retry: 4
createClient({ baseUrl: "https://api.example.com", retries: 3 });
// @ts-expect-error: ky's retry limit
createClient({ baseUrl: "https://api.example.com", retry: { limit: 2 } });
// @ts-expect-error: got's timeout names
createClient({ baseUrl: "https://api.example.com", timeout: { request: 5000 } });
client.extend({ retry: 2 });
// @ts-expect-error: extend takes client options only
client.extend({ baseURL: "https://other.example.com" });

client.get("/users", { retry: 2, timeout: 5000, query: { limit: 10 } });
client.post("/users", { json: { name: "n" }, retry: false, timeout: { attempt: 2000, total: 10_000 } });
// @ts-expect-error: axios's body is json (or form)
client.post("/users", { data: { name: "n" } });
// @ts-expect-error: ky's and got's query is query
client.get("/users", { searchParams: { limit: 10 } });
// @ts-expect-error: a call may change attempts only
client.get("/users", { retry: { limit: 1 } });
// @ts-expect-error: the verb is the method
client.get("/users", { method: "POST" });
// @ts-expect-error: a duration is ms or a string such as "5s", not prose
client.get("/users", { timeout: "5 seconds" });
// @ts-expect-error: no json on paginate
client.paginate("/users", { strategy: linkHeader(), json: {} });

// The option-name lists behind those errors name exactly the keys of the option types: an option added to
// ClientOptions or RequestOptions but not to src/client/option-keys.ts would be refused at run time.

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const clientOptionNames: Same<keyof typeof CLIENT_OPTIONS, keyof ClientOptions> = true;
export const requestOptionNames: Same<keyof typeof REQUEST_OPTIONS, keyof RequestOptions> = true;
// @ts-expect-error: the check can fail (a list missing one name)
export const missingOne: Same<Exclude<keyof typeof CLIENT_OPTIONS, "dedupe">, keyof ClientOptions> = true;
