import { describeRequest, ParseError } from "../errors.js";
import { redactFields, redactText } from "../redact.js";
import type { ApiResponse, ResponseType } from "../types.js";

export type { ResponseType } from "../types.js";

/** A short excerpt of a body for error messages, with secret-looking values replaced. */
export function excerpt(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return redactText(cut);
}

/** The same, for a value that was already parsed. */
export function excerptOf(value: unknown, max = 200): string {
  try {
    return excerpt(JSON.stringify(redactFields(value)) ?? String(value), max);
  } catch {
    return "[unprintable]";
  }
}

export function contentTypeOf(res: ApiResponse): string | undefined {
  const ct = res.headers["content-type"];
  return Array.isArray(ct) ? ct[0] : ct;
}

export function isJsonType(ct: string | undefined): boolean {
  if (ct === undefined) return false;
  const semi = ct.indexOf(";");
  const media = (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  return media === "application/json" || media.endsWith("+json");
}

function isTextType(ct: string | undefined): boolean {
  return ct !== undefined && (ct.startsWith("text/") || ct.includes("xml") || ct.includes("x-www-form-urlencoded"));
}

/** Where `JSON.parse` failed, without the body text V8 quotes in its message. */
export function jsonSyntaxProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : "";
  if (/end of JSON input/i.test(message)) return "unexpected end of input";
  const at = /position \d+/.exec(message);
  return at ? `syntax error at ${at[0]}` : "syntax error";
}

/** Parses JSON, or fails with a `ParseError` carrying a short redacted excerpt. */
export function parseJson(buf: Buffer, res: ApiResponse): unknown {
  if (buf.length === 0) return undefined;
  const text = buf.toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ParseError(`response body is not valid JSON (${jsonSyntaxProblem(err)})`, {
      status: res.status,
      contentType: contentTypeOf(res),
      excerpt: excerpt(text),
      request: describeRequest(res.request),
    });
  }
}

/** Decodes a buffered body by `type` ("auto" picks by content-type). */
export function decodeBody(buf: Buffer, res: ApiResponse, type: Exclude<ResponseType, "stream">): unknown {
  switch (type) {
    case "json":
      return parseJson(buf, res);
    case "text":
      return buf.toString("utf8");
    case "bytes":
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    default: {
      if (buf.length === 0) return undefined;
      const ct = contentTypeOf(res);
      if (isJsonType(ct)) return parseJson(buf, res);
      if (ct === undefined || isTextType(ct)) return buf.toString("utf8");
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    }
  }
}
