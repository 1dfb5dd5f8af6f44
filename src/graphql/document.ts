import { ConfigError } from "../errors.js";
import type { DocumentNodeLike } from "./types.js";

/** The source text of a document: a string as is, a parsed document from its `loc`. */
export function documentText(doc: unknown): string {
  if (typeof doc === "string") return doc;
  if (doc instanceof String) return doc.toString();
  const body = (doc as DocumentNodeLike | null)?.loc?.source.body;
  if (typeof body === "string") return body;
  throw new ConfigError("document", "must be a GraphQL string or a parsed document that keeps its source (loc); pass print(document) from graphql-js");
}

export type OperationKind = "query" | "mutation" | "subscription";

/** Index just past the string, block string or comment starting at `i`, or `i` when none starts there. */
function skipIgnored(text: string, i: number): number {
  if (text[i] === "#") {
    const nl = text.indexOf("\n", i);
    return nl === -1 ? text.length : nl + 1;
  }
  if (text.startsWith('"""', i)) {
    const end = text.indexOf('"""', i + 3);
    return end === -1 ? text.length : end + 3;
  }
  if (text[i] === '"') {
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    return j + 1;
  }
  return i;
}

/** Index just past the `{ ... }` block that opens at or after `from`. */
function skipBlock(text: string, from: number): number {
  let depth = 0;
  let i = text.indexOf("{", from);
  if (i === -1) return text.length;
  while (i < text.length) {
    const after = skipIgnored(text, i);
    if (after !== i) {
      i = after;
      continue;
    }
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i + 1;
    i++;
  }
  return i;
}

/**
 * The kind of the operation that will run: the one named `operationName`, or
 * the document's first operation. Reads top-level definitions only, skipping
 * strings, block strings and comments.
 */
export function operationKind(text: string, operationName?: string): OperationKind {
  const ops: Array<{ kind: OperationKind; name: string | undefined }> = [];
  let i = 0;
  while (i < text.length) {
    const after = skipIgnored(text, i);
    if (after !== i) {
      i = after;
      continue;
    }
    const c = text[i] as string;
    if (c === "{") {
      ops.push({ kind: "query", name: undefined }); // shorthand query
      i = skipBlock(text, i);
    } else if (/[A-Za-z_]/.test(c)) {
      const word = (/^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i)) as RegExpExecArray)[0];
      i += word.length;
      if (word === "query" || word === "mutation" || word === "subscription") {
        ops.push({ kind: word, name: /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i))?.[1] });
      }
      // The definition's body (operation or fragment) holds no top-level keywords.
      i = skipBlock(text, i);
    } else i++;
  }
  const op = operationName === undefined ? ops[0] : ops.find((o) => o.name === operationName);
  return op?.kind ?? "query";
}
