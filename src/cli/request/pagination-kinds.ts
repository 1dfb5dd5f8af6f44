/** The strategies `--paginate` names. */
export const PAGINATION_KINDS = ["auto", "cursor", "link", "offset", "page", "next-url"] as const;
export type PaginationKind = (typeof PAGINATION_KINDS)[number];
