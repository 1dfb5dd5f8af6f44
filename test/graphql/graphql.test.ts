import { inspect } from "node:util";
import type { DocumentTypeDecoration, TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createClient } from "../../src/client/create-client.js";
import { isConfigError } from "../../src/errors.js";
import { type GraphQLError, GraphQLError as GraphQLErrorClass, graphql, isGraphQLError } from "../../src/graphql/index.js";
import { type GraphQLServer, startGraphQLServer } from "./server.js";

let server: GraphQLServer;
let client: ReturnType<typeof createClient>;
beforeAll(async () => {
  server = await startGraphQLServer();
  client = createClient({ baseUrl: server.origin, retry: { attempts: 3, backoff: { base: 1, cap: 5 } } });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
afterEach(() => {
  server.ops.length = 0;
  server.failNext.length = 0;
});

type UserQuery = { user: { id: string; name: string } | null };
const UserDocument = parse("query User($id: ID!) { user(id: $id) { id name } }") as TypedDocumentNode<UserQuery, { id: string }>;

describe("graphql(client).query()", () => {
  it("runs a typed document (TypedDocumentNode) with variables", async () => {
    const gql = graphql(client);
    const data = await gql.query(UserDocument, { id: "3" });
    expectTypeOf(data).toEqualTypeOf<UserQuery>();
    expect(data).toEqual({ user: { id: "3", name: "user 3" } });
  });

  it("runs a codegen TypedDocumentString (a String subclass carrying the types)", async () => {
    class TypedDocumentString<R, V> extends String implements DocumentTypeDecoration<R, V> {
      __apiType?: (variables: V) => R;
    }
    const doc = new TypedDocumentString<UserQuery, { id: string }>("query User($id: ID!) { user(id: $id) { id name } }");
    const data = await graphql(client).query(doc, { id: "4" });
    expectTypeOf(data).toEqualTypeOf<UserQuery>();
    expect(data.user?.name).toBe("user 4");
  });

  it("runs a string query and picks the operation by name", async () => {
    const gql = graphql(client, { path: "/graphql" });
    const doc = "query A { hello } query B($id: ID!) { user(id: $id) { name } }";
    expect(await gql.query(doc, { id: "1" }, { operationName: "B" })).toEqual({ user: { name: "user 1" } });
    expect(server.ops[0]?.operationName).toBe("B");
  });

  it("GraphQL errors throw GraphQLError with path and extensions, keeping the partial data", async () => {
    const gql = graphql(client);
    const err = (await gql.query('{ a: user(id: "1") { email } b: user(id: "2") { email } }').catch((e: unknown) => e)) as GraphQLError;
    expect(isGraphQLError(err)).toBe(true);
    expect(err.errors).toEqual([
      expect.objectContaining({ message: "email is private", path: ["b", "email"], extensions: { code: "FORBIDDEN", field: "email" } }),
    ]);
    expect(err.codes).toEqual(["FORBIDDEN"]);
    expect(err.data).toEqual({ a: { email: "u1@example.com" }, b: { email: null } });
    expect(err.message).toContain("at b.email");
  });

  it("GraphQLError's JSON and inspect output redact secret-looking fields of the partial data", async () => {
    const err = new GraphQLErrorClass({
      errors: [{ message: "x" }],
      data: { user: { name: "a", accessToken: "gho_secret" } },
      extensions: undefined,
      operationName: "Q",
      status: 200,
    });
    expect(JSON.stringify(err)).not.toContain("gho_secret");
    expect(inspect(err)).not.toContain("gho_secret");
    expect(JSON.stringify(err)).toContain('"name":"a"');
  });

  it("with partial: true, returns data and errors together instead of throwing", async () => {
    const gql = graphql(client);
    const result = await gql.query('{ a: user(id: "1") { email } b: user(id: "2") { email } }', undefined, { partial: true });
    expect(result.data).toEqual({ a: { email: "u1@example.com" }, b: { email: null } });
    expect(result.errors?.[0]?.path).toEqual(["b", "email"]);
  });

  it("a request error (invalid field) is a GraphQLError too, with the HTTP status", async () => {
    const err = (await graphql(client)
      .query("{ nope }")
      .catch((e: unknown) => e)) as GraphQLError;
    expect(isGraphQLError(err)).toBe(true);
    expect(err.status).toBe(400);
    expect(err.errors[0]?.message).toMatch(/nope/);
  });

  it("queries are retried through the client's retry policy (they are safe: sent with an idempotency key)", async () => {
    server.failNext.push(503);
    expect(await graphql(client).query("{ hello }")).toEqual({ hello: "world" });
    expect(server.ops).toHaveLength(2);
    expect(server.ops[0]?.idempotencyKey).toBeDefined();
    expect(server.ops[1]?.idempotencyKey).toBe(server.ops[0]?.idempotencyKey);
  });
});

describe("graphql(client).mutate()", () => {
  it("runs a mutation with variables", async () => {
    const gql = graphql(client);
    const data = await gql.mutate("mutation R($id: ID!, $name: String!) { rename(id: $id, name: $name) { id name } }", { id: "5", name: "Ada" });
    expect(data).toEqual({ rename: { id: "5", name: "Ada" } });
  });

  it("is not retried without an idempotency key", async () => {
    server.failNext.push(503);
    const err = (await graphql(client)
      .mutate('mutation { rename(id: "5", name: "B") { id } }')
      .catch((e: unknown) => e)) as GraphQLError;
    expect(err.status).toBe(503);
    expect(server.ops).toHaveLength(1);
    expect(server.ops[0]?.idempotencyKey).toBeUndefined();
  });

  it("query() refuses a mutation document", async () => {
    const err = await graphql(client)
      .query('mutation { rename(id: "5", name: "C") { id } }')
      .catch((e: GraphQLError) => e);
    expect(isConfigError(err)).toBe(true);
    expect(server.ops).toHaveLength(0);
  });
});

describe("graphql(client).paginate()", () => {
  const MembersDocument = parse(`
    query Members($login: String!, $first: Int!, $after: String) {
      organization(login: $login) { members(first: $first, after: $after) { edges { node { id name } } pageInfo { hasNextPage endCursor } } }
    }`) as TypedDocumentNode<
    {
      organization: { members: { edges: Array<{ node: { id: string; name: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null;
    },
    { login: string; first: number; after?: string | null }
  >;

  it("follows pageInfo { hasNextPage endCursor } of the chosen connection", async () => {
    const gql = graphql(client);
    const ids: string[] = [];
    for await (const m of gql.paginate(MembersDocument, { variables: { login: "acme", first: 10 }, connection: (d) => d.organization?.members })) {
      expectTypeOf(m).toEqualTypeOf<{ id: string; name: string }>();
      ids.push(m.id);
    }
    expect(ids).toEqual(server.users.map((u) => u.id));
    expect(server.ops.map((o) => o.variables?.after ?? null)).toEqual([null, "MTA=", "MjA="]);
  });

  it("takes a dotted connection path, maxItems and a resume cursor", async () => {
    const gql = graphql(client);
    const got: unknown[] = [];
    for await (const m of gql.paginate(MembersDocument, {
      variables: { login: "acme", first: 10 },
      connection: "organization.members",
      from: "MTA=",
      maxItems: 12,
    }))
      got.push(m);
    expect(got).toHaveLength(12);
    expect((got[0] as { id: string }).id).toBe("11");
    expect(server.ops).toHaveLength(2);
  });
});
