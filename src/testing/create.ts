import { type DialectOptions, type DialectSimulator, type ProviderName, startDialect } from "./dialects/index.js";
import { type ApiSimulator, type ApiSimulatorOptions, startSimulator } from "./simulator.js";

/**
 * Starts a simulator: a plain one to script route by route, or with `provider` one that speaks that API's
 * dialect (its paths, errors, paging, idempotency and signed webhooks; see docs/providers.md). It sits above
 * both, so the dialects (which extend the plain simulator) and the simulator never import each other.
 */
export function createApiSimulator<P extends ProviderName>(options: DialectOptions<P>): Promise<DialectSimulator<P>>;
export function createApiSimulator(options?: ApiSimulatorOptions): Promise<ApiSimulator>;
export function createApiSimulator(options: ApiSimulatorOptions | DialectOptions<ProviderName> = {}): Promise<unknown> {
  if ("provider" in options && options.provider !== undefined) return startDialect(options, startSimulator);
  return startSimulator(options as ApiSimulatorOptions);
}
