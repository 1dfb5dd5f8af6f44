import type { ApiRequest } from "../../src/types.js";

/**
 * A request as the client hands it to the pipeline: a GET of `url` on its
 * first attempt, with `over` applied. The one place tests spell out an
 * `ApiRequest`.
 */
export function apiRequest(url: string, over: Partial<ApiRequest> = {}): ApiRequest {
  const { origin, pathname, search } = new URL(url);
  return { method: "GET", origin, path: pathname + search, route: pathname, headers: {}, replayable: true, attempt: 1, context: {}, ...over };
}
