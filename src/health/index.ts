export { type CheckHealthOptions, checkHealth, healthCheck } from "./check.js";
export { type HealthRoute, healthRoute } from "./route.js";
export type { CheckResult, CustomCheck, CustomCheckResult, HealthReport, HealthStatus, HealthTarget, InboxThresholds } from "./types.js";
