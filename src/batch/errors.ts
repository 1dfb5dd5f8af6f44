import { ApiError, errorGuard } from "../errors.js";

/** The batch `load` function broke its contract (e.g. returned an array of the wrong length). */
export class BatchError extends ApiError {
  override readonly code = "BALLAST_BATCH";
}

export const isBatchError = errorGuard<BatchError>("BALLAST_BATCH");
