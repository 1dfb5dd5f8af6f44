import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type ErrorRequest, ValidationError, type ValidationIssue } from "../errors.js";
import { excerptOf } from "../response/parse.js";

/** Any Standard Schema (zod, valibot, arktype, ...). */
export type Schema<Output = unknown> = StandardSchemaV1<unknown, Output>;
export type InferOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : unknown;

function issuePath(issue: StandardSchemaV1.Issue): PropertyKey[] {
  // Array.from, not .map: some libraries (arktype) hand out an Array subclass.
  return Array.from(issue.path ?? [], (p) => (typeof p === "object" && p !== null && "key" in p ? p.key : (p as PropertyKey)));
}

function fail(issues: ReadonlyArray<StandardSchemaV1.Issue>, value: unknown, request: ErrorRequest | undefined): never {
  const list: ValidationIssue[] = issues.map((i) => ({ message: i.message, path: issuePath(i) }));
  throw new ValidationError(list, excerptOf(value), { request });
}

/**
 * Validates `value` against a Standard Schema and returns the schema's output
 * (which may be transformed). Async schemas are awaited; a failure throws
 * `ValidationError` with each issue's path and a redacted excerpt of the body.
 */
export function validateWithSchema<S extends Schema>(schema: S, value: unknown, request?: ErrorRequest): InferOutput<S> | Promise<InferOutput<S>> {
  const result = schema["~standard"].validate(value);
  if (result instanceof Promise) {
    return result.then((r) => {
      if (r.issues) fail(r.issues, value, request);
      return r.value as InferOutput<S>;
    });
  }
  if (result.issues) fail(result.issues, value, request);
  return result.value as InferOutput<S>;
}

/** True when `value` looks like a Standard Schema. */
export function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && "~standard" in value;
}
