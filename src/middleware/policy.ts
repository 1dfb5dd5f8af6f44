import type { Middleware } from "../types.js";

/** A middleware with observable state; `client.stats()` collects `stats()` from each. */
export type Policy = Middleware & { stats?(): unknown };
