export { type CursorOptions, cursor } from "./cursor.js";
export { isPaginationError, PaginationError, type PaginationErrorReason } from "./errors.js";
export { type Link, type LinkHeaderOptions, linkHeader, parseLinkHeader } from "./link-header.js";
export { type NextUrlOptions, nextUrl } from "./next-url.js";
export { type OffsetOptions, offset } from "./offset.js";
export { type PageNumberOptions, page } from "./page.js";
export { type Page, type PagesOptions, pages } from "./pages.js";
export { type PaginateOptions, paginate } from "./paginate.js";
export type { Extractor, PageQuery, PageRequest, PageResponse, PageSender, PaginationStrategy } from "./types.js";
