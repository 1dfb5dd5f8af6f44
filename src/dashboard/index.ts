export type { LiveStats } from "./live-stats.js";
export { type Dashboard, type DashboardOptions, startDashboard } from "./server.js";
