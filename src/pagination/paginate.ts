import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describeRequest } from "../errors.js";
import { isIdentity, shape } from "../schema/shape.js";
import { type PagesOptions, pages } from "./pages.js";
import type { PageSender } from "./types.js";

export interface PaginateOptions<Raw, Out, T> extends PagesOptions<Raw> {
  /** Validates each item (any Standard Schema); a failure throws `ValidationError` naming the item's index. */
  schema?: StandardSchemaV1<unknown, Out> | undefined;
  /** Maps each (validated) item to your model. */
  transform?: ((item: Out) => T | Promise<T>) | undefined;
}

/**
 * Yields items across pages, fetching the next page only when the caller
 * has consumed this one. Stops at `maxItems` (exactly), `maxPages`, the last
 * page, or a `break`.
 */
export async function* paginate<Raw, Out = Raw, T = Out>(
  send: PageSender,
  path: string,
  options: PaginateOptions<Raw, Out, T>,
): AsyncGenerator<T, void, undefined> {
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  const plain = isIdentity(options as PaginateOptions<unknown, unknown, unknown>);
  let count = 0;
  if (maxItems === 0) return;
  for await (const pg of pages(send, path, options)) {
    const request = { method: "GET", url: pg.url };
    for (let i = 0; i < pg.items.length; i++) {
      const item = pg.items[i] as Raw;
      yield plain ? (item as unknown as T) : await shape(item, options, itemRequest(request, i));
      if (++count >= maxItems) return;
    }
  }
}

/** Names the item in validation errors: `GET https://api/users?page=2 [item 7]`. */
function itemRequest(request: { method: string; url: string }, index: number) {
  const described = describeRequest({ method: request.method, origin: "", path: request.url });
  return { method: described.method, url: `${described.url} [item ${index}]` };
}
