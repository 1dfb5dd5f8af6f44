import type { Attributes } from "@opentelemetry/api";
import { isApiError } from "../../errors.js";

/** `server.address` and `server.port` of an origin (`https://api.example.com`). */
export function serverAttributes(origin: string): { "server.address": string; "server.port": number } {
  try {
    const url = new URL(origin);
    return { "server.address": url.hostname, "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)) };
  } catch {
    return { "server.address": origin, "server.port": 0 };
  }
}

/** HTTP client attributes of one attempt (semantic conventions): the route template, never the raw path. */
export function attemptAttributes(method: string, origin: string, route: string): Attributes {
  return { "http.request.method": method, ...serverAttributes(origin), "url.template": route };
}

/** `error.type`: the status for HTTP errors, the error code for ballast's errors, the class name otherwise. */
export function errorType(error: unknown, status?: number): string | undefined {
  if (status !== undefined) return status >= 400 ? String(status) : undefined;
  if (error === undefined) return undefined;
  if (isApiError(error)) return error.code;
  return error instanceof Error ? error.name : "error";
}
