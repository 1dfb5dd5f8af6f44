/**
 * The attributes of ballast's spans and metric points. Every builder returns a
 * new object literal with its keys spelled out (no spreads: copying one object
 * into a literal that adds keys is V8's slow path, see util/copy.ts). The
 * object is the caller's to add keys to before handing it to OpenTelemetry,
 * never after: the metrics SDK keeps the first object of each attribute set as
 * that series' attributes.
 */
import type { Attributes } from "@opentelemetry/api";
import { isApiError } from "../../errors.js";

interface Server {
  address: string;
  port: number;
}

/** Origins seen lately: parsing a URL costs more than building the rest of an event's attributes. */
const servers = new Map<string, Server>();
/** Past this many origins the map starts over, so a process calling ever new hosts stays bounded. */
const MAX_SERVERS = 256;

/** `server.address` and `server.port` of an origin (`https://api.example.com`). */
function serverOf(origin: string): Server {
  let server = servers.get(origin);
  if (server === undefined) {
    server = parseServer(origin);
    if (servers.size >= MAX_SERVERS) servers.clear();
    servers.set(origin, server);
  }
  return server;
}

function parseServer(origin: string): Server {
  try {
    const url = new URL(origin);
    return { address: url.hostname, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)) };
  } catch {
    return { address: origin, port: 0 };
  }
}

/** HTTP client attributes of one attempt (semantic conventions): the route template, never the raw path. */
export function attemptAttributes(method: string, origin: string, route: string): Attributes {
  const server = serverOf(origin);
  return { "http.request.method": method, "server.address": server.address, "server.port": server.port, "url.template": route };
}

/** A call's attributes: which client method made it (`ballast.call.kind`), then those of {@link attemptAttributes}. */
export function callAttributes(kind: string, method: string, origin: string, route: string): Attributes {
  const server = serverOf(origin);
  return { "ballast.call.kind": kind, "http.request.method": method, "server.address": server.address, "server.port": server.port, "url.template": route };
}

/** `error.type`: the status for HTTP errors, the error code for ballast's errors, the class name otherwise. */
export function errorType(error: unknown, status?: number): string | undefined {
  if (status !== undefined) return status >= 400 ? String(status) : undefined;
  if (error === undefined) return undefined;
  if (isApiError(error)) return error.code;
  return error instanceof Error ? error.name : "error";
}
