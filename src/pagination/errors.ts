import { ApiError, type ApiErrorOptions, errorGuard } from "../errors.js";

/** Why pagination stopped with an error. */
export type PaginationErrorReason =
  /** A page pointed at a position that was already fetched: following it would loop forever. */
  | "repeated_position"
  /** A next link points at another origin; following it would send credentials there. */
  | "cross_origin"
  /** The strategy could not find the list of items in a page body. */
  | "no_items";

/** Pagination cannot continue safely. `reason` says why; `position` is the offending cursor, offset or URL. */
export class PaginationError extends ApiError {
  override readonly code = "BALLAST_PAGINATION";
  readonly reason: PaginationErrorReason;
  readonly position: string | undefined;
  constructor(reason: PaginationErrorReason, message: string, options: ApiErrorOptions & { position?: string | undefined } = {}) {
    super(message, options);
    this.reason = reason;
    this.position = options.position;
  }
}

export const isPaginationError = errorGuard<PaginationError>("BALLAST_PAGINATION");
