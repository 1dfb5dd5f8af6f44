import { STATUS_CODES } from "node:http";
import { type Command, Option } from "commander";
import type { Client } from "../../client/create-client.js";
import { toHttpError } from "../../client/http-error.js";
import { contentTypeOf, isJsonType } from "../../client/parse.js";
import { readBody } from "../../client/read-body.js";
import { isHttpError } from "../../errors.js";
import type { ApiResponse, HttpMethod } from "../../types.js";
import { CliError, EXIT, usageError } from "../exit.js";
import { collect, duration, headerPairs, keyValues, positiveInt } from "../options.js";
import { line, type Output, processOutput } from "../output.js";
import { bodyFromFlags } from "../request/body.js";
import { type CallCounters, type ClientFlags, clientFromFlags } from "../request/client.js";
import { exportAll } from "../request/export.js";
import { autoPagination, namedStrategy, PAGINATION_KINDS, type PaginationKind } from "../request/pagination.js";
import { providerClient, providerNames } from "../request/providers.js";

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

interface RequestFlags extends ClientFlags {
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

/** The API's own words and the request id, for a failed call. */
function describeFailure(error: unknown): string {
  if (!isHttpError(error)) return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const api = (error as { apiMessage?: string }).apiMessage;
  const parts = [`HTTP ${error.status}${STATUS_CODES[error.status] ? ` ${STATUS_CODES[error.status]}` : ""}`];
  if (api) parts.push(api);
  else if (error.problem?.detail ?? error.problem?.title) parts.push((error.problem?.detail ?? error.problem?.title) as string);
  let text = parts.join(": ");
  if (error.request) text += ` (${error.request.method} ${error.request.url})`;
  if (error.requestId) text += `\nrequest id: ${error.requestId}`;
  if (error.attempts > 1) text += `\nattempts: ${error.attempts}`;
  return text;
}

async function single(client: Client, t: ReturnType<typeof parseTarget>, flags: RequestFlags, output: Output): Promise<void> {
  const headers = headerPairs(flags.header);
  const body = bodyFromFlags(flags, headers);
  const key = flags.idempotencyKey;
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
    throw toHttpError(res, bytes, client.config.requestIdHeaders);
  }
  printBody(res, bytes, output);
}

export async function runRequest(args: string[], flags: RequestFlags, output: Output = processOutput): Promise<void> {
  const t = parseTarget(args);
  const counters: CallCounters = { retries: 0, rateLimitWaits: 0 };
  if (flags.all && t.method !== "GET") throw usageError(`--all follows pages of a GET; the method is ${t.method}`);
  const client = t.provider === undefined ? clientFromFlags(t.target, flags, counters) : await providerClient(t.provider, flags, counters);
  try {
    if (!flags.all) return await single(client, t, flags, output);
    const paging = { items: flags.items, cursorParam: flags.cursorParam, limit: flags.limit };
    const strategy = flags.paginate === "auto" ? autoPagination(paging) : namedStrategy({ ...paging, kind: flags.paginate });
    const result = await exportAll(
      client,
      {
        path: t.target,
        strategy,
        query: new URLSearchParams(keyValues(flags.query, "--query")),
        headers: headerPairs(flags.header),
        maxItems: flags.maxItems,
        out: flags.out,
      },
      output,
      counters,
    );
    const how =
      "detected" in strategy ? `${(strategy as ReturnType<typeof autoPagination>).detected() ?? "no"} pagination (detected)` : `${flags.paginate} pagination`;
    line(
      output.stderr,
      `${result.items} items from ${result.pages} pages, ${how}; ${counters.retries} retries, ${counters.rateLimitWaits} rate-limit waits${flags.out ? `; written to ${flags.out}` : ""}`,
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(describeFailure(error), EXIT.failed);
  } finally {
    await client.close();
  }
}

export function registerRequest(program: Command): void {
  program
    .command("request")
    .description("call an API through the full ballast pipeline (auth from the environment, retries, rate limits) and print the body")
    .argument("<args...>", "[PROVIDER] METHOD PATH_OR_URL")
    .option("-d, --data <text>", "raw body (@file reads a file, @- stdin); application/json when it parses as JSON")
    .option("--json <json>", "JSON body (@file, @-)")
    .option("-F, --form <name=value>", "URL-encoded form field (repeatable)", collect)
    .option("-q, --query <name=value>", "query parameter (repeatable)", collect)
    .option("-H, --header <name: value>", "request header (repeatable)", collect)
    .option("--idempotency-key <auto|KEY>", "send an idempotency key (auto: a UUID), the same on every retry; makes POST/PATCH retryable")
    .option("-i, --include", "print the status line and response headers before the body")
    .option("--base-url <url>", "origin (and path prefix) relative paths are resolved against")
    .option("--bearer-env <VAR>", "send Authorization: Bearer with the token in environment variable VAR")
    .option("--api-key-env <VAR>", "send the API key in environment variable VAR as a header")
    .option("--api-key-header <name>", "header for --api-key-env", "x-api-key")
    .option("--timeout <duration>", "time limit of each attempt (e.g. 10s)", duration)
    .option("--retries <n>", "retries after the first attempt (default 3)", (v) => (v === "0" ? 0 : positiveInt(v)))
    .option("--rate <n>", "most requests per second this command sends (default 50; it also pauses when the server says so)", positiveInt)
    .option("--all", "follow every page and write the items as JSON Lines")
    .addOption(new Option("--paginate <kind>", "how the API pages (with --all)").choices(PAGINATION_KINDS).default("auto"))
    .option("--max-items <n>", "stop after n items (with --all)", positiveInt)
    .option("--out <file>", "write the JSON Lines to a file instead of stdout (with --all)")
    .option("--items <path>", "dotted path to the items in each page (default: the array body, or data / items / results)")
    .option("--cursor-param <name>", "query parameter that carries the cursor (cursor pagination)")
    .option("--limit <n>", "page size to ask for (with --all)", positiveInt)
    .addHelpText(
      "after",
      `
Providers: ${providerNames().join(", ") || "(none yet)"} (credentials from each provider's usual environment variable).

Exit codes: 0 success; 1 the call failed (HTTP error, timeout, network), with the API's message and request id on stderr; 2 bad usage.

Examples:
  ballast request GET https://api.github.com/repos/nodejs/node
  ballast request --base-url https://api.example.com --bearer-env EXAMPLE_TOKEN POST /v1/charges --json '{"amount":100}' --idempotency-key auto
  ballast request GET https://api.github.com/repos/nodejs/node/issues --all --max-items 200 --out issues.jsonl`,
    )
    .action((args: string[], flags: RequestFlags) => runRequest(args, flags));
}
