/**
 * Typed documents, structurally: TypedDocumentNode (graphql-codegen), gql.tada
 * and TypedDocumentString all carry `__apiType?: (variables: V) => R`.
 */
export interface DocumentTypeDecoration<Result, Variables> {
  __apiType?: (variables: Variables) => Result;
}

/** A parsed document (graphql-js `DocumentNode`, gql.tada, graphql-tag): its source text is kept in `loc`. */
export interface DocumentNodeLike {
  readonly kind: "Document";
  readonly loc?: { readonly source: { readonly body: string } } | undefined;
}

/** What `query()` and `mutate()` accept: a string, or a parsed document; typed or not. */
export type GraphQLDocument<Result = unknown, Variables = Record<string, unknown>> = (string | DocumentNodeLike | String) &
  DocumentTypeDecoration<Result, Variables>;

export type ResultOf<D> = D extends DocumentTypeDecoration<infer R, infer _V> ? (unknown extends R ? unknown : R) : unknown;
export type VariablesOf<D> = D extends DocumentTypeDecoration<infer _R, infer V> ? V : Record<string, unknown>;

/** One entry of a response's `errors` list (GraphQL spec §7.1.2). */
export interface GraphQLErrorEntry {
  message: string;
  /** Where in `data` the error happened, e.g. `["user", "posts", 0, "title"]`. */
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  /** Server-specific details, e.g. `{ code: "THROTTLED" }` (Shopify) or `{ code: "UNAUTHENTICATED" }`. */
  extensions?: Record<string, unknown>;
}

/** A full GraphQL response: data (possibly partial), errors, extensions. */
export interface GraphQLResult<Result> {
  data: Result | null | undefined;
  errors: ReadonlyArray<GraphQLErrorEntry> | undefined;
  extensions: Record<string, unknown> | undefined;
}

/** A Relay-style connection. Either `edges[].node` or `nodes` holds the items. */
export interface Connection<Node> {
  pageInfo: { hasNextPage: boolean; endCursor?: string | null | undefined };
  edges?: ReadonlyArray<{ node: Node } | null> | null | undefined;
  nodes?: ReadonlyArray<Node | null> | null | undefined;
}
