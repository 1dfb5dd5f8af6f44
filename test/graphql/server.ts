// A real GraphQL server (graphql-yoga) on loopback, with a front door that
// can inject HTTP failures before yoga sees the request.
import type { IncomingMessage, ServerResponse } from "node:http";
import { GraphQLError } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import { startServer } from "../support/http-server.js";

const typeDefs = /* GraphQL */ `
  type User {
    id: ID!
    name: String!
    email: String
  }
  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }
  type UserEdge {
    node: User!
    cursor: String!
  }
  type UserConnection {
    edges: [UserEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }
  type Organization {
    login: String!
    members(first: Int!, after: String): UserConnection!
  }
  type Query {
    user(id: ID!): User
    organization(login: String!): Organization
    hello: String!
  }
  type Mutation {
    rename(id: ID!, name: String!): User!
  }
`;

export interface GraphQLServer {
  origin: string;
  /** Operations received (operationName, variables). */
  ops: Array<{ operationName: string | undefined; variables: Record<string, unknown> | undefined; idempotencyKey: string | undefined }>;
  /** Status codes to answer instead of yoga, consumed one per request. */
  failNext: number[];
  users: Array<{ id: string; name: string; email: string }>;
  close(): Promise<void>;
}

export async function startGraphQLServer(): Promise<GraphQLServer> {
  const users = Array.from({ length: 25 }, (_, i) => ({ id: String(i + 1), name: `user ${i + 1}`, email: `u${i + 1}@example.com` }));
  const state: GraphQLServer = { origin: "", ops: [], failNext: [], users, close: async () => {} };
  const yoga = createYoga({
    logging: false,
    maskedErrors: false,
    schema: createSchema({
      typeDefs,
      resolvers: {
        Query: {
          hello: () => "world",
          user: (_: unknown, { id }: { id: string }) => users.find((u) => u.id === id) ?? null,
          organization: (_: unknown, { login }: { login: string }) => ({ login }),
        },
        User: {
          email: (u: { id: string; email: string }) => {
            if (u.id === "2") throw new GraphQLError("email is private", { extensions: { code: "FORBIDDEN", field: "email" } });
            return u.email;
          },
        },
        Organization: {
          members: (_: unknown, { first, after }: { first: number; after?: string }) => {
            const start = after ? Number(Buffer.from(after, "base64").toString()) : 0;
            const slice = users.slice(start, start + first);
            const end = start + slice.length;
            return {
              edges: slice.map((node, i) => ({ node, cursor: Buffer.from(String(start + i + 1)).toString("base64") })),
              pageInfo: { hasNextPage: end < users.length, endCursor: slice.length ? Buffer.from(String(end)).toString("base64") : null },
              totalCount: users.length,
            };
          },
        },
        Mutation: {
          rename: (_: unknown, { id, name }: { id: string; name: string }) => {
            const u = users.find((x) => x.id === id);
            if (!u) throw new GraphQLError("no such user", { extensions: { code: "NOT_FOUND" } });
            u.name = name;
            return u;
          },
        },
      },
    }),
  });
  const server = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString() || "{}");
        state.ops.push({ operationName: body.operationName, variables: body.variables, idempotencyKey: req.headers["idempotency-key"] as string | undefined });
      } catch {}
      const fail = state.failNext.shift();
      if (fail !== undefined) return void res.writeHead(fail, { "content-type": "text/plain" }).end("unavailable");
      // Hand the buffered body to yoga through its fetch API (the request stream was consumed above).
      const answer = yoga.fetch(`http://${req.headers.host}${req.url}`, {
        method: req.method ?? "POST",
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      }) as Promise<Response>;
      void answer.then(async (r) => {
        const headers: Record<string, string> = {};
        r.headers.forEach((v: string, k: string) => {
          headers[k] = v;
        });
        res.writeHead(r.status, headers).end(Buffer.from(await r.arrayBuffer()));
      });
    });
  });
  state.origin = server.origin;
  state.close = server.close;
  return state;
}
