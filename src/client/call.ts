import { describeRequest } from "../errors.js";
import { requestIdOf } from "../response/http-error.js";
import { validateWithSchema } from "../schema/validate.js";
import type { ApiResponse, ResponseHeaders } from "../types.js";
import type { CallOptions } from "./options.js";

/** The response a call's data came from: status, headers, request id, attempts, the final URL (after redirects). */
export interface ResponseInfo {
  status: number;
  headers: ResponseHeaders;
  /** From the first of the client's `requestIdHeaders` present (x-request-id, request-id, ...). */
  requestId: string | undefined;
  /** Attempts the call took (1 without retries). */
  attempts: number;
  /** The URL that answered, after any redirects. */
  url: string;
}

/** The parsed (and validated) body together with its response's metadata. */
export interface WithResponse<T> {
  data: T;
  response: ResponseInfo;
}

/**
 * What a call returns: a promise of its data, and `withResponse()` for the
 * data with the response's status, headers and request id (same call, one request).
 */
export interface CallPromise<T> extends Promise<T> {
  withResponse(): Promise<WithResponse<T>>;
}

/** What a call came to: the decoded body and the final response. */
export interface Finished {
  data: unknown;
  response: ApiResponse;
}

/** The call's data through its `schema` (validated) and then its `transform`. */
export async function shape(done: Finished, o: CallOptions): Promise<Finished> {
  if (o.schema === undefined && o.transform === undefined) return done;
  let data = done.data;
  if (o.schema !== undefined) data = await validateWithSchema(o.schema, data, describeRequest(done.response.request));
  if (o.transform !== undefined) data = await (o.transform as (d: unknown) => unknown)(data);
  return { data, response: done.response };
}

const noop = () => {};

/** The promise a call returns: its data, with `withResponse()` for the data and the response's metadata. */
export function callPromise(finished: Promise<Finished>, requestIdHeaders: ReadonlyArray<string>): CallPromise<unknown> {
  const data = finished.then((f) => f.data) as CallPromise<unknown>;
  data.withResponse = () => {
    data.catch(noop); // the caller awaits this promise instead
    return finished.then((f) => ({ data: f.data, response: infoOf(f.response, requestIdHeaders) }));
  };
  return data;
}

function infoOf(res: ApiResponse, requestIdHeaders: ReadonlyArray<string>): ResponseInfo {
  return {
    status: res.status,
    headers: res.headers,
    requestId: requestIdOf(res.headers, requestIdHeaders),
    attempts: res.attempts,
    url: res.request.origin + res.request.path,
  };
}
