import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ErrorRequest } from "../errors.js";
import { validateWithSchema } from "./validate.js";

/**
 * Maps a raw value to the application's model: validate with `schema`
 * (any Standard Schema: zod, valibot, arktype), then `transform` the result
 * (`user_id` → `id`, timestamps → `Date`). Either may be omitted.
 */
export interface ShapeOptions<Raw, Out, T> {
  schema?: StandardSchemaV1<unknown, Out> | undefined;
  transform?: ((value: Out) => T | Promise<T>) | undefined;
  /** Only for inference: the raw type flows into `transform` when there is no schema. */
  readonly __raw?: Raw;
}

/** Applies `schema` then `transform` to one value; a schema failure throws `ValidationError`. */
export async function shape<Raw, Out, T>(value: Raw, options: ShapeOptions<Raw, Out, T>, request: ErrorRequest): Promise<T> {
  const validated = options.schema === undefined ? (value as unknown as Out) : await validateWithSchema(options.schema, value, request);
  return options.transform === undefined ? (validated as unknown as T) : await options.transform(validated);
}

/** True when there is nothing to apply (the value passes through untouched). */
export function isIdentity(options: ShapeOptions<unknown, unknown, unknown>): boolean {
  return options.schema === undefined && options.transform === undefined;
}
