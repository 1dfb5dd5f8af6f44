export { type Batcher, type BatchOptions, type BatchResult, type BatchStats, batch } from "./batch.js";
export { BatchError, isBatchError } from "./errors.js";
