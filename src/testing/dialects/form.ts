/**
 * Form bodies and query strings with nested brackets, as providers parse them: `a[b]=1`, `a[]=x`,
 * `a[0][b]=y`, and a repeated key (`MediaUrl=a&MediaUrl=b`) becoming an array. Brackets may arrive raw
 * (`a[0]`) or percent-encoded (`a%5B0%5D`): both decode to the same key.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const SEGMENT = /\[([^[\]]*)\]/g;
const UNSAFE = new Set(["__proto__", "constructor", "prototype"]);

export function parseNestedForm(text: string | URLSearchParams): FormObject {
  const out: FormObject = {};
  for (const [key, value] of typeof text === "string" ? new URLSearchParams(text) : text) {
    const m = KEY.exec(key);
    const path = m ? [m[1]!, ...[...m[2]!.matchAll(SEGMENT)].map((s) => s[1]!)] : [key];
    if (path.some((p) => UNSAFE.has(p))) continue;
    assign(out, path, value);
  }
  return out;
}

function assign(root: FormObject, path: string[], value: string): void {
  let container: FormObject | FormValue[] = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    const nextSeg = path[i + 1]!;
    const wantsArray = nextSeg === "" || /^\d+$/.test(nextSeg);
    let child: FormValue | undefined = Array.isArray(container) ? (seg === "" ? undefined : container[Number(seg)]) : container[seg];
    if (child === undefined || typeof child === "string") {
      child = wantsArray ? [] : {};
      if (Array.isArray(container)) {
        if (seg === "") container.push(child);
        else container[Number(seg)] = child;
      } else container[seg] = child;
    }
    container = child as FormObject | FormValue[];
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(container)) {
    if (last === "") container.push(value);
    else container[Number(last)] = value;
    return;
  }
  const prev = container[last];
  if (prev === undefined) container[last] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else container[last] = [prev as string, value];
}

/** A list value: an array as is (holes dropped), a single value as a one-item list. */
export function listOf(value: FormValue | undefined): FormValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.filter((v) => v !== undefined) : [value];
}
