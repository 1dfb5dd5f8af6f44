import type { RequestOptions } from "../client/options.js";
import { type Clock, systemClock } from "../clock.js";
import { ConfigError, isHttpError, ParseError } from "../errors.js";
import { getPath } from "../pagination/extract.js";
import { paginate as paginateItems } from "../pagination/paginate.js";
import type { PageSender, PaginationStrategy } from "../pagination/types.js";
import { type Duration, toMillis } from "../util/duration.js";
import { integerOption } from "../util/options.js";
import { type CostState, CostThrottle, type QueryCost } from "./cost.js";
import { documentText, operationKind } from "./document.js";
import { GraphQLError } from "./errors.js";
import type { Connection, GraphQLErrorEntry, GraphQLResult, ResultOf, VariablesOf } from "./types.js";

/** The part of a ballast client GraphQL needs (`createClient()` returns one). */
export interface GraphQLHost {
  request(options: RequestOptions): Promise<unknown>;
}

export interface GraphQLOptions {
  /** Endpoint path relative to the client's baseUrl (default `"/graphql"`). */
  path?: string;
  /** Headers sent with every operation. */
  headers?: Record<string, string>;
  /**
   * Cost-based throttling (Shopify's `extensions.cost`): wait for points before
   * an operation whose cost is known, and resend a `THROTTLED` one after the
   * bucket refills. `maxWait` caps a single wait (default "60s"), `retries`
   * the resends (default 3). false turns it off.
   */
  cost?: false | { maxWait?: Duration; retries?: number };
  clock?: Clock;
}

export interface OperationOptions {
  /** Which operation of a multi-operation document to run. */
  operationName?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Mutations: an idempotency key for the client's retry policy (queries always carry one: they are safe to repeat). */
  idempotencyKey?: string;
}

export interface PartialOptions extends OperationOptions {
  /** Return `{ data, errors, extensions }` instead of throwing on GraphQL errors (partial data). */
  partial: true;
}

export interface ConnectionOptions<D, Node> extends OperationOptions {
  variables?: Partial<VariablesOf<D>>;
  /** Where the connection is in `data`: a dotted path (`"repository.issues"`) or a function. */
  connection: string | ((data: ResultOf<D>) => Connection<Node> | null | undefined);
  /** The variable that takes the cursor (default `"after"`). */
  cursorVariable?: string;
  /** Resume after this cursor. */
  from?: string;
  maxPages?: number;
  maxItems?: number;
}

export interface GraphQLClient {
  /** Runs a query; GraphQL errors throw `GraphQLError` (which keeps any partial `data`). */
  query<D>(document: D, variables?: VariablesOf<D>, options?: OperationOptions): Promise<ResultOf<D>>;
  query<D>(document: D, variables: VariablesOf<D> | undefined, options: PartialOptions): Promise<GraphQLResult<ResultOf<D>>>;
  /** Runs a mutation (retried only with an `idempotencyKey`, or when the server throttled it before running it). */
  mutate<D>(document: D, variables?: VariablesOf<D>, options?: OperationOptions): Promise<ResultOf<D>>;
  mutate<D>(document: D, variables: VariablesOf<D> | undefined, options: PartialOptions): Promise<GraphQLResult<ResultOf<D>>>;
  /** Every node of a Relay connection, following `pageInfo { hasNextPage endCursor }`. */
  paginate<D, Node = unknown>(document: D, options: ConnectionOptions<D, Node>): AsyncGenerator<Node, void, undefined>;
  /** Cost-throttle state learnt from `extensions.cost` (undefined when `cost: false`). */
  stats(): { cost: CostState | undefined };
}

const THROTTLE_CODES = new Set(["THROTTLED", "RATE_LIMITED", "MAX_COST_EXCEEDED_THROTTLED"]);

function isResultBody(body: unknown): body is { data?: unknown; errors?: GraphQLErrorEntry[]; extensions?: Record<string, unknown> } {
  return body !== null && typeof body === "object" && !Array.isArray(body) && ("data" in body || Array.isArray((body as { errors?: unknown }).errors));
}

function isThrottled(errors: ReadonlyArray<GraphQLErrorEntry> | undefined): boolean {
  return errors?.some((e) => THROTTLE_CODES.has(String(e.extensions?.code ?? (e as { type?: unknown }).type ?? ""))) ?? false;
}

function nodesOf<Node>(conn: Connection<Node> | null | undefined): Node[] {
  if (conn === null || conn === undefined) return [];
  if (Array.isArray(conn.nodes)) return conn.nodes.filter((n): n is Node => n !== null);
  return (conn.edges ?? []).flatMap((e) => (e === null ? [] : [e.node]));
}

/**
 * A GraphQL client over a ballast client: every operation goes through its
 * pipeline (auth, retry, rate limit, breaker, timeouts).
 *
 * ```ts
 * const gh = graphql(client, { path: "/graphql" });
 * const { viewer } = await gh.query(ViewerDocument);
 * ```
 */
export function graphql(client: GraphQLHost, options: GraphQLOptions = {}): GraphQLClient {
  if (client === null || typeof client !== "object" || typeof client.request !== "function")
    throw new ConfigError("client", "must be a ballast client (createClient())");
  const path = options.path ?? "/graphql";
  if (typeof path !== "string" || path === "") throw new ConfigError("graphql.path", "must be a non-empty path such as /graphql");
  const clock = options.clock ?? systemClock;
  const costOpts = options.cost === false ? undefined : (options.cost ?? {});
  const retries = integerOption(costOpts?.retries ?? 3, "graphql.cost.retries", 0);
  const throttle = costOpts === undefined ? undefined : new CostThrottle(clock, toMillis(costOpts.maxWait ?? "60s", "graphql.cost.maxWait"));

  async function execute(
    document: unknown,
    variables: unknown,
    opts: OperationOptions,
    expect: "query" | "mutation" | undefined,
  ): Promise<GraphQLResult<unknown> & { status: number }> {
    const text = documentText(document);
    const kind = operationKind(text, opts.operationName);
    if (expect === "query" && kind === "mutation") throw new ConfigError("document", "is a mutation; use mutate()");
    // Operations are identified for cost learning by name, else by their text.
    const costKey = opts.operationName ?? text;
    const idempotencyKey = kind === "mutation" ? opts.idempotencyKey : (opts.idempotencyKey ?? true);
    let waited = false; // a throttled resend has already waited for its points
    for (let attempt = 0; ; attempt++) {
      if (!waited) await throttle?.before(costKey, opts.signal);
      let body: unknown;
      let status = 200;
      try {
        body = await client.request({
          method: "POST",
          path,
          json: { query: text, ...(variables !== undefined && { variables }), ...(opts.operationName !== undefined && { operationName: opts.operationName }) },
          headers: { accept: "application/graphql-response+json, application/json;q=0.9", ...options.headers, ...opts.headers },
          responseType: "json",
          ...(idempotencyKey !== undefined && { idempotencyKey }),
          ...(opts.signal !== undefined && { signal: opts.signal }),
        });
      } catch (err) {
        // GraphQL over HTTP: request errors (parse, validation) come as 4xx with an `errors` body.
        if (!isHttpError(err) || !isResultBody(err.body)) throw err;
        body = err.body;
        status = err.status;
      }
      if (!isResultBody(body)) throw new ParseError("the GraphQL response has neither data nor errors", { status, excerpt: "" });
      const errors = body.errors?.length ? body.errors : undefined;
      const throttled = isThrottled(errors);
      throttle?.after(costKey, body.extensions?.cost as QueryCost | undefined, throttled);
      if (throttled && throttle !== undefined && attempt < retries) {
        const requested = (body.extensions?.cost as QueryCost | undefined)?.requestedQueryCost;
        // Without cost information there is nothing to compute a wait from: back off a second.
        if (requested === undefined && throttle.state().available === undefined) await clock.sleep(1000, opts.signal);
        else await throttle.before(costKey, opts.signal, requested);
        waited = true;
        continue;
      }
      return { data: body.data as unknown, errors, extensions: body.extensions, status };
    }
  }

  async function run(
    document: unknown,
    variables: unknown,
    opts: OperationOptions & { partial?: boolean } = {},
    expect: "query" | "mutation",
  ): Promise<unknown> {
    const result = await execute(document, variables, opts, expect);
    if (opts.partial === true) return { data: result.data, errors: result.errors, extensions: result.extensions };
    if (result.errors !== undefined) {
      throw new GraphQLError({
        errors: result.errors,
        data: result.data,
        extensions: result.extensions,
        operationName: opts.operationName,
        status: result.status,
      });
    }
    return result.data;
  }

  return {
    query: ((document: unknown, variables?: unknown, opts?: OperationOptions) => run(document, variables, opts, "query")) as GraphQLClient["query"],
    mutate: ((document: unknown, variables?: unknown, opts?: OperationOptions) => run(document, variables, opts, "mutation")) as GraphQLClient["mutate"],
    paginate<D, Node>(document: D, o: ConnectionOptions<D, Node>) {
      const cursorVariable = o.cursorVariable ?? "after";
      const connectionOf = (data: unknown): Connection<Node> | null | undefined =>
        typeof o.connection === "function" ? o.connection(data as ResultOf<D>) : (getPath(data, o.connection) as Connection<Node> | null | undefined);
      const strategy: PaginationStrategy<Node, unknown> = {
        name: "graphqlConnection",
        request: (base, position) => ({ path: base.path, query: position === undefined ? {} : { [cursorVariable]: position } }),
        items: (pg) => nodesOf(connectionOf(pg.body)),
        next: (pg) => {
          const info = connectionOf(pg.body)?.pageInfo;
          return info?.hasNextPage && info.endCursor ? info.endCursor : undefined;
        },
      };
      const { variables, connection: _c, cursorVariable: _v, from, maxPages, maxItems, ...opts } = o;
      const send: PageSender = async (pg) => {
        const data = await run(document, { ...variables, ...pg.query }, opts, "query");
        return { status: 200, headers: {}, body: data, url: path };
      };
      return paginateItems<Node>(send, path, { strategy, from, maxPages, maxItems });
    },
    stats: () => ({ cost: throttle?.state() }),
  };
}
