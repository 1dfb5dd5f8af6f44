/**
 * Header and cookie parameters, and request bodies with several media types,
 * typed from fixtures/reports.yaml. `./generated/reports.js` is generated at
 * test time by openapi-typescript; typechecked by openapi-types.test.ts,
 * excluded from `npm run typecheck`.
 */
import { createClient, linkHeader } from "ballast";
import { expectTypeOf } from "vitest";
import type { components, paths } from "./generated/reports.js";

type Report = components["schemas"]["Report"];
const api = createClient<paths>({ baseUrl: "https://reports.example.com" });
const report = { title: "Q3" };
const who = { headers: { "X-Tenant": "t1" }, cookies: { session: "s1" } };

// --- header parameters: typed as the document spells them, required when one is ---
expectTypeOf(api.get("/reports", { headers: { "X-Api-Version": "2025-06-01" } })).resolves.toEqualTypeOf<Report[]>();
api.get("/reports", { headers: { "X-Api-Version": "2024-01-01", "x-trace": "abc" }, query: { limit: 5 } });
// @ts-expect-error: X-Api-Version is required
api.get("/reports");
// @ts-expect-error: X-Api-Version is required, whatever else is sent
api.get("/reports", { headers: { "x-trace": "abc" } });
// @ts-expect-error: not one of the versions the document lists
api.get("/reports", { headers: { "X-Api-Version": "2023-01-01" } });
// An integer header is sent as its text.
api.post("/reports", { ...who, headers: { "X-Tenant": "t1", "X-Priority": "3" }, json: report });
// @ts-expect-error: a header value is text, even for an integer parameter
api.post("/reports", { ...who, headers: { "X-Tenant": "t1", "X-Priority": 3 }, json: report });
// @ts-expect-error: "high" is not an integer
api.post("/reports", { ...who, headers: { "X-Tenant": "t1", "X-Priority": "high" }, json: report });
// An operation without header parameters takes any headers.
api.delete("/reports/{id}", { params: { id: 1 }, headers: { "x-trace": "abc" } });

// --- header names are case-insensitive: the document's spelling or lower case (as fetch and undici send them) ---
api.get("/reports", { headers: { "x-api-version": "2025-06-01" } });
api.post("/reports", { ...who, headers: { "x-tenant": "t1", "x-priority": "3" }, json: report });
api.post("/reports", { ...who, headers: { "X-Tenant": "t1", "x-priority": "3" }, json: report });
// @ts-expect-error: in lower case too, not one of the versions the document lists
api.get("/reports", { headers: { "x-api-version": "2023-01-01" } });
// @ts-expect-error: in lower case too, "high" is not an integer
api.post("/reports", { ...who, headers: { "x-tenant": "t1", "x-priority": "high" }, json: report });
// @ts-expect-error: X-Tenant is required, whichever spelling the optional header has
api.post("/reports", { ...who, headers: { "x-priority": "3" }, json: report });
// Two required headers: each in either spelling.
expectTypeOf(api.get("/reports/export", { headers: { "X-Request-Id": "r1", "Accept-Language": "fr" } })).resolves.toEqualTypeOf<string>();
api.get("/reports/export", { headers: { "x-request-id": "r1", "Accept-Language": "fr" } });
api.get("/reports/export", { headers: { "X-Request-Id": "r1", "accept-language": "fr" } });
api.get("/reports/export", { headers: { "x-request-id": "r1", "accept-language": "fr" } });
// @ts-expect-error: Accept-Language is required too
api.get("/reports/export", { headers: { "x-request-id": "r1" } });
// @ts-expect-error: X-Request-Id is required too
api.get("/reports/export", { headers: { "accept-language": "fr", "x-trace": "abc" } });
api.sse("/reports", { headers: { "x-api-version": "2025-06-01" } });

// --- cookie parameters: `cookies`, required when one is ---
api.post("/reports", { ...who, cookies: { session: "s1", theme: "dark" }, json: report });
// @ts-expect-error: the session cookie is required
api.post("/reports", { headers: { "X-Tenant": "t1" }, json: report });
// @ts-expect-error: the session cookie is required, whatever else is sent
api.post("/reports", { headers: { "X-Tenant": "t1" }, cookies: { theme: "dark" }, json: report });
// @ts-expect-error: not a theme the document lists
api.post("/reports", { ...who, cookies: { session: "s1", theme: "blue" }, json: report });
api.patch("/reports/{id}", { params: { id: 1 }, cookies: { debug: true } });
// @ts-expect-error: debug is a boolean
api.patch("/reports/{id}", { params: { id: 1 }, cookies: { debug: "yes" } });

// --- a required body: exactly one of the operation's media types ---
expectTypeOf(api.post("/reports", { ...who, json: report })).resolves.toEqualTypeOf<Report>();
api.post("/reports", { ...who, form: report });
api.post("/reports", { ...who, body: "title,pages\nQ3,4\n" });
// @ts-expect-error: the body is required
api.post("/reports", who);
// @ts-expect-error: one body, not two
api.post("/reports", { ...who, json: report, form: report });
// @ts-expect-error: one body, not two
api.post("/reports", { ...who, json: report, body: "title\nQ3\n" });
// @ts-expect-error: createReport takes no multipart body
api.post("/reports", { ...who, multipart: { title: "Q3" } });
// @ts-expect-error: the JSON body must be a NewReport
api.post("/reports", { ...who, json: { pages: 3 } });
api.put("/reports/{id}/attachment", { params: { id: 1 }, multipart: { file: new Blob(["x"]) } });
api.put("/reports/{id}/attachment", { params: { id: 1 }, body: new Uint8Array([1, 2, 3]) });
// @ts-expect-error: the attachment is required
api.put("/reports/{id}/attachment", { params: { id: 1 } });
// @ts-expect-error: multipart or bytes, not JSON
api.put("/reports/{id}/attachment", { params: { id: 1 }, json: { file: "x" } });

// --- an optional body: one or none ---
expectTypeOf(api.patch("/reports/{id}", { params: { id: 1 } })).resolves.toEqualTypeOf<Report>();
api.patch("/reports/{id}", { params: { id: 1 }, json: { title: "Q4" } });
// @ts-expect-error: merge-patch+json only: no raw body
api.patch("/reports/{id}", { params: { id: 1 }, body: '{"title":"Q4"}' });
// @ts-expect-error: one body, not two
api.patch("/reports/{id}", { params: { id: 1 }, json: { title: "Q4" }, form: { title: "Q4" } });

// --- no body: none of the options ---
expectTypeOf(api.delete("/reports/{id}", { params: { id: 1 } })).resolves.toEqualTypeOf<undefined>();
// @ts-expect-error: deleteReport takes no body
api.delete("/reports/{id}", { params: { id: 1 }, body: "x" });

// --- transform still sees the typed body with every option above ---
expectTypeOf(api.post("/reports", { ...who, json: report, transform: (r) => r.id })).resolves.toEqualTypeOf<number>();

// --- paginate, pages and sse take the GET operation's header parameters too ---
const v = { "X-Api-Version": "2025-06-01" } as const;
expectTypeOf(api.paginate("/reports", { headers: v, strategy: linkHeader({ items: (body) => body }) })).toEqualTypeOf<
  AsyncGenerator<Report, void, undefined>
>();
api.pages("/reports", { headers: v, query: { limit: 50 }, strategy: linkHeader<Report>() });
api.sse("/reports", { headers: v });
// @ts-expect-error: X-Api-Version is required
api.paginate("/reports", { strategy: linkHeader<Report>() });
// @ts-expect-error: X-Api-Version is required
api.sse("/reports");
