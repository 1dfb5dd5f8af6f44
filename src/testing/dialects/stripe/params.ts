import type { Reply } from "../../types.js";
import type { FormObject, FormValue } from "../form.js";
import { invalidRequest } from "./errors.js";

/** A request parameter that Stripe would refuse: thrown by the readers, answered as its error. */
export class StripeParamError extends Error {
  constructor(readonly reply: Reply) {
    super("invalid parameter");
  }
}

/** Refuses parameters the endpoint does not know, as Stripe does. */
export function onlyKnown(params: FormObject, known: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (key !== "expand" && !known.includes(key)) throw new StripeParamError(invalidRequest(`Received unknown parameter: ${key}`, key));
  }
}

export function optionalString(params: FormObject, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new StripeParamError(invalidRequest(`Invalid string: ${name}`, name));
  return v;
}

export function integer(params: FormObject, name: string): number | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^-?\d+$/.test(v)) throw new StripeParamError(invalidRequest(`Invalid integer: ${String(v)}`, name));
  return Number(v);
}

export function boolean(params: FormObject, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (v !== "true" && v !== "false") throw new StripeParamError(invalidRequest(`Invalid boolean: ${String(v)}`, name));
  return v === "true";
}

/** `metadata[key]=value` as a flat record of strings (an empty value removes the key on update). */
export function metadata(params: FormObject, current: Record<string, string> = {}): Record<string, string> {
  const v = params.metadata;
  if (v === undefined) return current;
  if (v === "") return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new StripeParamError(invalidRequest("Invalid object", "metadata"));
  const out = { ...current };
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== "string") throw new StripeParamError(invalidRequest("Invalid metadata value", `metadata[${key}]`));
    if (value === "") delete out[key];
    else out[key] = value;
  }
  return out;
}

/** `expand[]=customer` (or `expand[0]=customer`) as a list of field paths. */
export function expansions(params: FormObject): string[] {
  const v: FormValue | undefined = params.expand;
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is string => typeof x === "string");
}
