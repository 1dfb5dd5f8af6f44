import type { BodyOptions } from "../../client/body.js";
import { usageError } from "../exit.js";
import { keyValues, textArgument } from "../options.js";

export interface BodyFlags {
  data?: string | undefined;
  json?: string | undefined;
  form?: string[] | undefined;
}

/**
 * The body from `--data TEXT|@file|@-` (sent as is; `application/json` when it
 * parses as JSON, else `text/plain` unless a content-type header is given),
 * `--json JSON|@file|@-` (must be valid JSON) or `--form k=v` (URL-encoded, keys
 * as typed, e.g. `metadata[order]=o_1`). At most one of them.
 */
export function bodyFromFlags(flags: BodyFlags, headers: Record<string, string>): BodyOptions {
  const given = [flags.data !== undefined && "--data", flags.json !== undefined && "--json", (flags.form?.length ?? 0) > 0 && "--form"].filter(Boolean);
  if (given.length > 1) throw usageError(`give one body: ${given.join(" and ")} were both given`);
  if (flags.json !== undefined) {
    const text = textArgument(flags.json);
    try {
      return { json: JSON.parse(text) };
    } catch (error) {
      throw usageError(`--json is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (flags.data !== undefined) {
    const text = textArgument(flags.data);
    if (headers["content-type"] === undefined) headers["content-type"] = isJson(text) ? "application/json" : "text/plain; charset=utf-8";
    return { body: text };
  }
  if (flags.form !== undefined && flags.form.length > 0) return { form: new URLSearchParams(keyValues(flags.form, "--form")) };
  return {};
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
