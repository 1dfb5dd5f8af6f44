import { ParseError } from "../errors.js";
import { excerpt, jsonSyntaxProblem } from "../response/parse.js";
import { integerOption } from "../util/options.js";

export interface NdjsonOptions {
  /** Longest line accepted, in bytes (default 1 MiB); a longer one throws instead of growing memory without bound. */
  maxLineBytes?: number;
}

/**
 * Iterates an NDJSON / JSON Lines stream (`application/x-ndjson`,
 * `application/jsonl`): one JSON value per line, blank lines skipped, `\r\n`
 * accepted. Reads a chunk only when the caller wants the next values, so a
 * slow consumer slows the producer, and memory stays at about one chunk plus one line.
 */
export async function* ndjson<T = unknown>(source: AsyncIterable<Uint8Array | string>, options: NdjsonOptions = {}): AsyncGenerator<T, void, undefined> {
  const maxLine = integerOption(options.maxLineBytes ?? 2 ** 20, "ndjson.maxLineBytes");
  const decoder = new TextDecoder();
  let pending = "";
  let lineNo = 0;

  const parse = (line: string): T => {
    lineNo++;
    try {
      return JSON.parse(line) as T;
    } catch (err) {
      throw new ParseError(`line ${lineNo} of the NDJSON stream is not valid JSON (${jsonSyntaxProblem(err)})`, {
        status: 200,
        contentType: "application/x-ndjson",
        excerpt: excerpt(line),
      });
    }
  };

  for await (const chunk of source) {
    pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf("\n");
    let start = 0;
    while (nl !== -1) {
      const line = pending.slice(start, nl).trim();
      if (line !== "") yield parse(line);
      else lineNo++;
      start = nl + 1;
      nl = pending.indexOf("\n", start);
    }
    pending = pending.slice(start);
    // Characters, not bytes, but a UTF-16 string of n units holds at least n bytes of UTF-8 (except surrogate pairs): close enough for a guard.
    if (pending.length > maxLine)
      throw new ParseError(`an NDJSON line exceeds maxLineBytes (${maxLine})`, { status: 200, contentType: "application/x-ndjson", excerpt: excerpt(pending) });
  }
  const last = (pending + decoder.decode()).trim();
  if (last !== "") yield parse(last);
}
