/**
 * Option names from axios, ky and got are compile errors; `retry: 3` and a
 * per-call `timeout: 5000` compile. Typechecked by test/client/type-checks.test.ts.
 */
import { createClient, linkHeader } from "ballast";

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
