import { type Command, Option } from "commander";
import { collect, duration, positiveInt } from "../options.js";
import { PAGINATION_KINDS } from "../request/pagination-kinds.js";
import { PROVIDER_NAMES } from "../request/provider-names.js";
import type { RequestFlags } from "../request/run.js";

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
Providers: ${PROVIDER_NAMES.join(", ")} (credentials from each provider's usual environment variable).

Exit codes: 0 success; 1 the call failed (HTTP error, timeout, network), with the API's message and request id on stderr; 2 bad usage.

Examples:
  ballast request GET https://api.github.com/repos/nodejs/node
  ballast request --base-url https://api.example.com --bearer-env EXAMPLE_TOKEN POST /v1/charges --json '{"amount":100}' --idempotency-key auto
  ballast request GET https://api.github.com/repos/nodejs/node/issues --all --max-items 200 --out issues.jsonl`,
    )
    .action(async (args: string[], flags: RequestFlags) => (await import("../request/run.js")).runRequest(args, flags));
}
