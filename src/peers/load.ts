import { createRequire } from "node:module";
import { ConfigError } from "../errors.js";

const requireFromPackage = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency the first time a feature that needs it
 * runs, so importing a subpath never requires peers its caller does not use.
 * Synchronous (`require`), so factories that open a resource stay synchronous;
 * the peers loaded this way are CommonJS packages. `feature` names the caller
 * in the error raised when the peer is not installed.
 */
export function requirePeer<T>(name: string, feature: string): T {
  try {
    return requireFromPackage(name) as T;
  } catch (e) {
    const missing = (e as { code?: unknown }).code === "MODULE_NOT_FOUND" && String((e as Error).message).includes(`'${name}'`);
    if (!missing) throw e;
    throw new ConfigError(feature, `needs the optional peer dependency ${name}, which is not installed: npm install ${name}`, { cause: e });
  }
}
