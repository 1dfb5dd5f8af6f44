import type { HeaderReader, WebhookHeaders } from "./types.js";

/** A lower-case header lookup over any header shape. */
export function headerReader(headers: WebhookHeaders): HeaderReader {
  if (typeof (headers as Headers).get === "function" && typeof (headers as Headers).forEach === "function") {
    const h = headers as Headers;
    return (name) => h.get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let lowered: Map<string, string | readonly string[] | undefined> | undefined;
  return (name) => {
    let v = record[name];
    if (v === undefined) {
      // Plain records may use any case ("Stripe-Signature"); index them once.
      lowered ??= new Map(Object.entries(record).map(([k, val]) => [k.toLowerCase(), val]));
      v = lowered.get(name);
    }
    if (v === undefined) return undefined;
    return typeof v === "string" ? v : v.join(",");
  };
}
