import { Readable } from "node:stream";
import { ConfigError } from "../errors.js";
import type { RequestBody } from "../types.js";
import { type ArrayFormat, encodeParams, type ParamObject } from "./params.js";

/** A file part for `multipart`: a Blob (e.g. `await fs.openAsBlob(path)`) with a name. */
export interface MultipartFile {
  value: Blob | Uint8Array | string;
  filename?: string;
  contentType?: string;
}

export type MultipartValue = string | number | boolean | Blob | MultipartFile;

/** The ways a caller can give a body; at most one per request. */
export interface BodyOptions {
  /** Serialised with JSON.stringify; `content-type: application/json`. */
  json?: unknown;
  /** URL-encoded with nested brackets (Stripe style); `content-type: application/x-www-form-urlencoded`. */
  form?: ParamObject | URLSearchParams;
  /** Multipart form data: a FormData, or an object of fields and files. */
  multipart?: FormData | Readonly<Record<string, MultipartValue | ReadonlyArray<MultipartValue>>>;
  /**
   * A raw body. Strings and bytes can be retried; a stream is sent once (a
   * failure after it started is not retried). Pass a function returning a new
   * stream to make a streamed body retryable.
   */
  body?: RequestBody | (() => RequestBody);
}

export interface EncodedBody {
  body: RequestBody | (() => RequestBody) | undefined;
  contentType: string | undefined;
  replayable: boolean;
}

const NONE: EncodedBody = { body: undefined, contentType: undefined, replayable: true };

function toFormData(fields: Readonly<Record<string, MultipartValue | ReadonlyArray<MultipartValue>>>): FormData {
  const fd = new FormData();
  for (const [name, v] of Object.entries(fields)) {
    for (const item of Array.isArray(v) ? (v as ReadonlyArray<MultipartValue>) : [v as MultipartValue]) {
      if (item instanceof Blob) fd.append(name, item);
      else if (typeof item === "object" && item !== null && "value" in item) {
        const blob = item.value instanceof Blob ? item.value : new Blob([item.value as BlobPart], item.contentType ? { type: item.contentType } : {});
        fd.append(name, blob, item.filename ?? "blob");
      } else fd.append(name, String(item));
    }
  }
  return fd;
}

/** Encodes whichever body option is set (`formArrayFormat` for arrays in `form`). Throws when more than one is. */
export function encodeBody(opts: BodyOptions, formArrayFormat: ArrayFormat): EncodedBody {
  const { json, form, multipart, body } = opts;
  const given = (json !== undefined ? 1 : 0) + (form !== undefined ? 1 : 0) + (multipart !== undefined ? 1 : 0) + (body !== undefined ? 1 : 0);
  if (given === 0) return NONE;
  if (given > 1) throw new ConfigError("body", "give only one of json, form, multipart and body");
  if (json !== undefined) return { body: JSON.stringify(json), contentType: "application/json", replayable: true };
  if (form !== undefined)
    return {
      body: encodeParams(form, formArrayFormat),
      contentType: "application/x-www-form-urlencoded",
      replayable: true,
    };
  if (multipart !== undefined) {
    // undici writes the multipart boundary into content-type itself.
    return { body: multipart instanceof FormData ? multipart : toFormData(multipart), contentType: undefined, replayable: true };
  }
  if (typeof body === "function") return { body, contentType: undefined, replayable: true };
  const replayable = typeof body === "string" || body instanceof Uint8Array || body instanceof FormData;
  if (!replayable && !(body instanceof Readable) && typeof (body as AsyncIterable<Uint8Array>)?.[Symbol.asyncIterator] !== "function") {
    throw new ConfigError("body", "must be a string, Uint8Array, FormData, stream, async iterable or a function returning one");
  }
  return { body, contentType: undefined, replayable };
}
