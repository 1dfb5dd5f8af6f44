/**
 * A lenient reader of RFC 8941 structured-field Lists and Dictionaries, as
 * far as the rate-limit fields need: `"name";q=100;w=60, 10;w=1` or
 * `limit=100, remaining=0`. Strings, tokens, integers, decimals, booleans and
 * byte sequences (kept as their text); inner lists are skipped. A member that
 * does not parse is dropped, the rest are kept (the draft says to ignore
 * malformed values, and servers are not always strict).
 */
export type BareItem = string | number | boolean;

export interface Member {
  /** The dictionary key, for `key=value` members (`limit=100`); undefined in a List. */
  key: string | undefined;
  item: BareItem;
  params: ReadonlyMap<string, BareItem>;
}

/** Splits on `separator` outside double-quoted strings. */
function split(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const NUMBER = /^-?\d{1,15}(\.\d{1,3})?$/;
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;
const KEY = /^[a-z*][a-z0-9_\-.*]*$/;

function bareItem(raw: string): BareItem | undefined {
  const t = raw.trim();
  if (t.startsWith('"')) return t.length >= 2 && t.endsWith('"') ? t.slice(1, -1).replace(/\\(["\\])/g, "$1") : undefined;
  if (NUMBER.test(t)) return Number(t);
  if (t === "?1" || t === "?0") return t === "?1";
  if (/^:[A-Za-z0-9+/=]*:$/.test(t)) return t;
  return TOKEN.test(t) ? t : undefined;
}

/** `key` or `key=value`: a parameter, or a dictionary member's head. */
function keyValue(raw: string): [string, BareItem] | undefined {
  const eq = raw.indexOf("=");
  const key = (eq === -1 ? raw : raw.slice(0, eq)).trim().toLowerCase();
  if (!KEY.test(key)) return undefined;
  if (eq === -1) return [key, true];
  const value = bareItem(raw.slice(eq + 1));
  return value === undefined ? undefined : [key, value];
}

function member(raw: string): Member | undefined {
  const [head = "", ...rest] = split(raw, ";");
  if (head.trim().startsWith("(")) return undefined;
  const params = new Map<string, BareItem>();
  for (const p of rest) {
    const kv = keyValue(p);
    if (kv === undefined) return undefined;
    params.set(kv[0], kv[1]);
  }
  const item = bareItem(head);
  if (item !== undefined) return { key: undefined, item, params };
  const kv = keyValue(head);
  return kv === undefined ? undefined : { key: kv[0], item: kv[1], params };
}

/** The members of a List or Dictionary field (several field lines joined with commas). */
export function parseMembers(field: string | ReadonlyArray<string>): Member[] {
  const text = typeof field === "string" ? field : field.join(",");
  const out: Member[] = [];
  for (const raw of split(text, ",")) {
    if (raw.trim() === "") continue;
    const m = member(raw);
    if (m !== undefined) out.push(m);
  }
  return out;
}
