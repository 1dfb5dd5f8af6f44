import { STATUS_CODES } from "node:http";
import type { Client } from "../../client/create-client.js";
import { isHttpError } from "../../errors.js";
import { parseErrorBody, toHttpError } from "../../response/http-error.js";
import { contentTypeOf, isJsonType } from "../../response/parse.js";
import { readBody } from "../../response/read-body.js";
import type { ApiResponse, HttpMethod } from "../../types.js";
import { CliError, EXIT, usageError } from "../exit.js";
import { headerPairs, keyValues } from "../options.js";
import { line, type Output, plural, processOutput } from "../output.js";
import { bodyFromFlags } from "./body.js";
import { type CallCounters, type ClientFlags, clientFromFlags, countRateLimitWaits } from "./client.js";
import { exportAll } from "./export.js";
import { autoPagination, namedStrategy, type PaginationKind } from "./pagination.js";
import { providerCall } from "./providers.js";

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

export interface RequestFlags extends ClientFlags {
  data?: string;
  json?: string;
  form?: string[];
  query?: string[];
  header?: string[];
  idempotencyKey?: string;
  include?: boolean;
  all?: boolean;
  paginate: PaginationKind;
  maxItems?: number;
  out?: string;
  items?: string;
  cursorParam?: string;
  limit?: number;
}

/** `[PROVIDER] METHOD PATH_OR_URL` → its parts. */
export function parseTarget(args: readonly string[]): { provider: string | undefined; method: HttpMethod; target: string } {
  if (args.length < 2 || args.length > 3) throw usageError("expected [PROVIDER] METHOD PATH_OR_URL");
  const [provider, method, target] = args.length === 3 ? args : [undefined, ...args];
  const m = (method as string).toUpperCase();
  if (!METHODS.has(m)) throw usageError(`unknown method ${JSON.stringify(method)}; expected one of ${[...METHODS].join(", ")}`);
  return { provider, method: m as HttpMethod, target: target as string };
}

function statusLine(res: ApiResponse): string {
  return `HTTP ${res.status} ${STATUS_CODES[res.status] ?? ""}`.trimEnd();
}

function printHead(res: ApiResponse, output: Output): void {
  line(output.stdout, statusLine(res));
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) line(output.stdout, `${name}: ${v}`);
  }
  line(output.stdout);
}

/** The body as received, or indented JSON when stdout is a terminal. */
function printBody(res: ApiResponse, bytes: Buffer, output: Output): void {
  if (bytes.length === 0) return;
  if (output.stdout.isTTY && isJsonType(contentTypeOf(res))) {
    try {
      line(output.stdout, JSON.stringify(JSON.parse(bytes.toString("utf8")), null, 2));
      return;
    } catch {}
  }
  output.stdout.write(bytes);
  if (output.stdout.isTTY && bytes.at(-1) !== 0x0a) line(output.stdout);
}

/** The API's own words (in the error's message with the status and the redacted URL), the request id and the attempts, for a failed call. */
function describeFailure(error: unknown): string {
  if (!isHttpError(error)) return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  let text = error.message;
  if (error.apiMessage === undefined && error.problem?.detail !== undefined && !text.includes(error.problem.detail)) text += `\n${error.problem.detail}`;
  if (error.requestId) text += `\nrequest id: ${error.requestId}`;
  if (error.attempts > 1) text += `\nattempts: ${error.attempts}`;
  return text;
}

async function single(client: Client, t: ReturnType<typeof parseTarget>, flags: RequestFlags, output: Output, idempotentPosts: boolean): Promise<void> {
  const headers = headerPairs(flags.header);
  const body = bodyFromFlags(flags, headers);
  const key = flags.idempotencyKey ?? (idempotentPosts && t.method === "POST" ? "auto" : undefined);
  const res = await client.raw({
    method: t.method,
    path: t.target,
    query: new URLSearchParams(keyValues(flags.query, "--query")),
    headers,
    ...body,
    ...(key !== undefined && { idempotencyKey: key === "auto" ? true : key }),
  });
  const bytes = await readBody(res, client.config.maxResponseBytes);
  if (flags.include) printHead(res, output);
  if (res.status >= 400) {
    if (flags.include) printBody(res, bytes, output);
    throw toHttpError(res, parseErrorBody(bytes, res), { requestIdHeaders: client.config.requestIdHeaders, apiError: client.config.apiError });
  }
  printBody(res, bytes, output);
}

/** Appends `--query` pairs to a path or URL. */
function withQuery(target: string, pairs: Array<[string, string]>): string {
  if (pairs.length === 0) return target;
  return `${target}${target.includes("?") ? "&" : "?"}${new URLSearchParams(pairs).toString()}`;
}

export async function runRequest(args: string[], flags: RequestFlags, output: Output = processOutput): Promise<void> {
  const t = parseTarget(args);
  const counters: CallCounters = { retries: 0, rateLimitWaits: 0 };
  const stopCounting = countRateLimitWaits(counters);
  if (flags.all && t.method !== "GET") throw usageError(`--all follows pages of a GET; the method is ${t.method}`);
  const provider = t.provider === undefined ? undefined : providerCall(t.provider, flags, counters);
  const client = provider?.client ?? clientFromFlags(t.target, flags, counters);
  try {
    if (!flags.all) return await single(client, t, flags, output, provider?.idempotentPosts ?? false);
    const paging = { items: flags.items, cursorParam: flags.cursorParam, limit: flags.limit };
    const strategy = flags.paginate !== "auto" ? namedStrategy({ ...paging, kind: flags.paginate }) : (provider?.pagination?.() ?? autoPagination(paging));
    const result = await exportAll(
      client,
      {
        // The query goes into the URL itself: pagination treats the query of an absolute URL as the page's own.
        path: withQuery(t.target, keyValues(flags.query, "--query")),
        strategy,
        query: {},
        headers: headerPairs(flags.header),
        maxItems: flags.maxItems,
        out: flags.out,
      },
      output,
      counters,
    );
    const how =
      "detected" in strategy
        ? `${(strategy as ReturnType<typeof autoPagination>).detected() ?? "no"} pagination (detected)`
        : `${flags.paginate === "auto" ? `${t.provider}'s` : flags.paginate} pagination`;
    line(
      output.stderr,
      `${plural(result.items, "item")} from ${plural(result.pages, "page")}, ${how}; ${plural(counters.retries, "retry", "retries")}, ${plural(counters.rateLimitWaits, "rate-limit wait")}${flags.out ? `; written to ${flags.out}` : ""}`,
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(describeFailure(error), EXIT.failed);
  } finally {
    stopCounting();
    await client.close();
  }
}
