/**
 * A client typed by the Petstore document: what compiles and what does not.
 * `./generated/petstore.js` exists only while test/client/openapi/openapi-types.test.ts
 * runs: it generates it with openapi-typescript from fixtures/petstore.yaml,
 * then typechecks this file (strict). Excluded from `npm run typecheck`.
 */
import { createClient, type OperationOf, type ResponseData } from "ballast";
import { expectTypeOf } from "vitest";
import { z } from "zod";
import type { components, paths } from "./generated/petstore.js";

type Pet = components["schemas"]["Pet"];
type Order = components["schemas"]["Order"];
type User = components["schemas"]["User"];

const petstore = createClient<paths>({ baseUrl: "https://petstore3.swagger.io/api/v3" });

// --- responses: the 2xx body of the operation ---
expectTypeOf(petstore.get("/pet/{petId}", { params: { petId: 1 } })).resolves.toEqualTypeOf<Pet>();
expectTypeOf(petstore.get("/pet/findByStatus")).resolves.toEqualTypeOf<Pet[]>();
expectTypeOf(petstore.get("/store/inventory")).resolves.toEqualTypeOf<{ [key: string]: number }>();
expectTypeOf(petstore.get("/user/login", { query: { username: "u", password: "p" } })).resolves.toEqualTypeOf<string>();
expectTypeOf(petstore.post("/store/order", { json: { petId: 1, quantity: 2 } })).resolves.toEqualTypeOf<Order>();
// Only `default` declared: its body.
expectTypeOf(petstore.post("/user", { json: { username: "ann" } })).resolves.toEqualTypeOf<User>();
// Only errors declared: nothing known about a success.
expectTypeOf(petstore.delete("/store/order/{orderId}", { params: { orderId: 5 } })).resolves.toBeUnknown();
expectTypeOf(petstore.get("/pet/{petId}", { params: { petId: 1 } }).withResponse()).resolves.toEqualTypeOf<{
  data: Pet;
  response: import("ballast").ResponseInfo;
}>();
expectTypeOf<ResponseData<OperationOf<paths, "/pet/{petId}", "get">>>().toEqualTypeOf<Pet>();

// --- schema and transform still decide the result ---
const Name = z.object({ name: z.string() });
expectTypeOf(petstore.get("/pet/{petId}", { params: { petId: 1 }, schema: Name })).resolves.toEqualTypeOf<{ name: string }>();
expectTypeOf(petstore.get("/pet/{petId}", { params: { petId: 1 }, transform: (pet) => pet.photoUrls.length })).resolves.toEqualTypeOf<number>();

// --- paths and methods come from the document ---
// @ts-expect-error: no such path
petstore.get("/pets/{petId}", { params: { petId: 1 } });
// @ts-expect-error: /pet has no GET
petstore.get("/pet");
// @ts-expect-error: the document's form is {petId}, not :petId
petstore.get("/pet/:petId", { params: { petId: 1 } });

// --- params: the operation's path parameters, typed ---
// @ts-expect-error: petId is required
petstore.get("/pet/{petId}");
// @ts-expect-error: petId is a number (int64)
petstore.get("/pet/{petId}", { params: { petId: "seven" } });
// @ts-expect-error: a typo
petstore.get("/pet/{petId}", { params: { petid: 1 } });

// --- query: the operation's query parameters ---
petstore.get("/pet/findByStatus", { query: { status: "sold" } });
petstore.get("/pet/findByTags", { query: { tags: ["a", "b"] } });
// @ts-expect-error: not one of the enum
petstore.get("/pet/findByStatus", { query: { status: "lost" } });
// @ts-expect-error: findByStatus takes no `limit`
petstore.get("/pet/findByStatus", { query: { limit: 10 } });
// @ts-expect-error: /store/inventory declares no query parameter
petstore.get("/store/inventory", { query: { page: 2 } });

// --- bodies: json, form or a raw body, by the operation's media types ---
petstore.post("/pet", { json: { name: "Rex", photoUrls: [] } });
petstore.put("/pet", { form: { name: "Rex", photoUrls: ["a"] } });
petstore.post("/pet/{petId}/uploadImage", { params: { petId: 1 }, body: new Uint8Array([1, 2]) });
// @ts-expect-error: `name` and `photoUrls` are required by Pet
petstore.post("/pet", { json: { status: "sold" } });
// @ts-expect-error: a username is a string
petstore.post("/user/createWithList", { json: [{ username: 1 }] });
// @ts-expect-error: GET /pet/{petId} takes no body
petstore.get("/pet/{petId}", { params: { petId: 1 }, json: {} });
// @ts-expect-error: uploadImage takes bytes, not JSON
petstore.post("/pet/{petId}/uploadImage", { params: { petId: 1 }, json: {} });

// --- the rest of ballast's call options stay ---
petstore.get("/pet/{petId}", { params: { petId: 1 }, headers: { "x-trace": "t" }, retry: 2, timeout: 5000, signal: AbortSignal.timeout(1000) });
// @ts-expect-error: an axios habit is still caught
petstore.post("/pet", { data: { name: "Rex", photoUrls: [] } });

// --- extend() keeps the document ---
const child = petstore.extend({ headers: { "x-tenant": "t1" } });
expectTypeOf(child.get("/pet/{petId}", { params: { petId: 1 } })).resolves.toEqualTypeOf<Pet>();
// @ts-expect-error: still typed
child.get("/nope");
