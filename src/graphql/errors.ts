import { ApiError, type ApiErrorOptions, errorGuard } from "../errors.js";
import { redactFields } from "../redact.js";
import type { GraphQLErrorEntry } from "./types.js";

/**
 * The server answered with GraphQL errors. `errors` holds each one with its
 * `path` and `extensions`; `data` holds whatever data came with them (partial
 * data), so nothing is lost when you catch this.
 */
export class GraphQLError extends ApiError {
  override readonly code = "BALLAST_GRAPHQL";
  readonly errors: ReadonlyArray<GraphQLErrorEntry>;
  readonly data: unknown;
  readonly extensions: Record<string, unknown> | undefined;
  readonly operationName: string | undefined;
  /** HTTP status of the response that carried the errors (200 for most execution errors). */
  readonly status: number;
  constructor(
    init: {
      errors: ReadonlyArray<GraphQLErrorEntry>;
      data: unknown;
      extensions: Record<string, unknown> | undefined;
      operationName: string | undefined;
      status: number;
    },
    options: ApiErrorOptions = {},
  ) {
    const first = init.errors[0];
    const at = first?.path?.length ? ` at ${first.path.join(".")}` : "";
    const more = init.errors.length > 1 ? ` (+${init.errors.length - 1} more)` : "";
    super(`GraphQL${init.operationName ? ` ${init.operationName}` : ""}: ${first?.message ?? "error"}${at}${more}`, options);
    this.errors = init.errors;
    this.data = init.data;
    this.extensions = init.extensions;
    this.operationName = init.operationName;
    this.status = init.status;
  }

  /** Logs and `util.inspect` show `data` with secret-looking fields (token, password, ...) redacted. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), data: redactFields(this.data) };
  }

  /** Error codes from `extensions.code` (and GitHub's `type`), e.g. `["THROTTLED"]`. */
  get codes(): string[] {
    return this.errors.map((e) => String(e.extensions?.code ?? (e as { type?: unknown }).type ?? "")).filter(Boolean);
  }
}

export const isGraphQLError = errorGuard<GraphQLError>("BALLAST_GRAPHQL");
