// Public API of `ballast/graphql`.
export {
  type ConnectionOptions,
  type GraphQLClient,
  type GraphQLHost,
  type GraphQLOptions,
  graphql,
  type OperationOptions,
  type PartialOptions,
} from "./client.js";
export type { CostState, QueryCost } from "./cost.js";
export { GraphQLError, isGraphQLError } from "./errors.js";
export type {
  Connection,
  DocumentNodeLike,
  DocumentTypeDecoration,
  GraphQLDocument,
  GraphQLErrorEntry,
  GraphQLResult,
  ResultOf,
  VariablesOf,
} from "./types.js";
