// The parts of node-postgres (pg) that ballast calls, as plain structural
// types: declarations that use them compile for users who have not installed
// pg or @types/pg (a pg `Pool`, `PoolClient` and `Client` fit them).

/** What ballast reads from a query result. */
export interface PgQueryResult<Row> {
  rows: Row[];
  rowCount: number | null;
}

/** A query by config; with `name` it is a prepared statement (parsed once per connection). */
export interface PgQueryConfig {
  name?: string;
  text: string;
  values?: unknown[];
}

/** Anything that runs a query: a pg `Pool`, `PoolClient` or `Client`. */
export interface PgQueryable {
  query<Row = unknown>(text: string, values?: unknown[]): Promise<PgQueryResult<Row>>;
  query<Row = unknown>(config: PgQueryConfig): Promise<PgQueryResult<Row>>;
}

/** A connection checked out of a pool (pg `PoolClient`). */
export interface PgPoolClient extends PgQueryable {
  release(err?: Error | boolean): void;
}

/** A connection pool (pg `Pool`). */
export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
}
