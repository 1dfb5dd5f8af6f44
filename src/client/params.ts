/**
 * Bracket-style encoding of nested values into `key=value` pairs, as Stripe
 * and Rails-style APIs expect for query strings and form bodies:
 * `{ a: { b: 1 }, tags: ["x", "y"], items: [{ price: "p" }] }` →
 * `a[b]=1&tags[]=x&tags[]=y&items[0][price]=p`. `undefined` is dropped,
 * `null` is sent as an empty value, dates as ISO 8601.
 */
export type ArrayFormat = "brackets" | "indices" | "repeat" | "comma";

export type ParamValue = string | number | boolean | bigint | Date | null | undefined | ParamObject | ReadonlyArray<ParamValue>;
export interface ParamObject {
  readonly [key: string]: ParamValue;
}

const enc = (s: string): string => encodeURIComponent(s);

function scalar(v: string | number | boolean | bigint | Date | null): string {
  if (v === null) return "";
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function isScalar(v: ParamValue): v is string | number | boolean | bigint | Date | null {
  return v === null || typeof v !== "object" || v instanceof Date;
}

function append(out: string[], key: string, value: ParamValue, format: ArrayFormat): void {
  if (value === undefined) return;
  if (isScalar(value)) {
    out.push(`${enc(key)}=${enc(scalar(value))}`);
    return;
  }
  if (Array.isArray(value)) {
    const items = value as ReadonlyArray<ParamValue>;
    const allScalar = items.every(isScalar);
    if (allScalar && format === "comma") {
      out.push(`${enc(key)}=${items.map((v) => enc(scalar(v as Exclude<ParamValue, undefined | ParamObject | readonly ParamValue[]>))).join(",")}`);
      return;
    }
    items.forEach((item, i) => {
      // Arrays of objects always need an index to keep each object's fields together.
      const childKey = !allScalar || format === "indices" ? `${key}[${i}]` : format === "brackets" ? `${key}[]` : key;
      append(out, childKey, item, format);
    });
    return;
  }
  for (const k of Object.keys(value)) append(out, `${key}[${k}]`, (value as ParamObject)[k], format);
}

/** Encodes `params` as `a=1&b[c]=2` (no leading `?`). */
export function encodeParams(params: ParamObject | URLSearchParams, format: ArrayFormat = "brackets"): string {
  if (params instanceof URLSearchParams) return params.toString();
  const out: string[] = [];
  for (const k of Object.keys(params)) append(out, k, params[k], format);
  return out.join("&");
}
