/**
 * Types that read a path template: `/users/:id/files/:name` (or the OpenAPI
 * form `/users/{id}`) needs `params: { id, name }`, and nothing else. They
 * mirror `fillPath`, which checks the same at run time.
 */

/** A value for one placeholder; URL-encoded when the path is filled. */
export type PathValue = string | number | boolean | bigint;

/** Values for a template's placeholders, when the template is not known to the compiler (a `string`). */
export type PathParams = Readonly<Record<string, PathValue>>;

type Lower =
  | "a"
  | "b"
  | "c"
  | "d"
  | "e"
  | "f"
  | "g"
  | "h"
  | "i"
  | "j"
  | "k"
  | "l"
  | "m"
  | "n"
  | "o"
  | "p"
  | "q"
  | "r"
  | "s"
  | "t"
  | "u"
  | "v"
  | "w"
  | "x"
  | "y"
  | "z";
type NameStart = Lower | Uppercase<Lower> | "_";
type NameChar = NameStart | "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";

/** Reads a `:name` off the front of `S` (the characters after the colon), as `[name, rest]`. */
type TakeName<S extends string, Name extends string = ""> = S extends `${infer C}${infer R}`
  ? C extends (Name extends "" ? NameStart : NameChar)
    ? TakeName<R, `${Name}${C}`>
    : [Name, S]
  : [Name, S];

/** `:name` placeholders of a template without braces. */
type ColonNames<S extends string> = S extends `${string}:${infer Rest}`
  ? TakeName<Rest> extends [infer N extends string, infer R extends string]
    ? (N extends "" ? never : N) | ColonNames<R>
    : never
  : never;

/** `{name}` placeholders, then the `:name` ones in the text around them. */
type TemplateNames<S extends string> = S extends `${infer Before}{${infer Name}}${infer After}`
  ? ColonNames<Before> | (Name extends "" ? never : Name) | TemplateNames<After>
  : ColonNames<S>;

/** An absolute URL: sent as is, never filled. */
type Absolute = `${"http" | "https" | "HTTP" | "HTTPS"}://${string}`;

/** The placeholder names of a path template: `"/users/:id/files/{name}"` → `"id" | "name"`. */
export type PathParamNames<P extends string> = P extends Absolute ? never : TemplateNames<P>;

/**
 * What `params` must look like for a path `P`: every placeholder, and no other
 * key; for a template without placeholders, no key at all (what looks like a
 * path parameter there is a query parameter: `query`).
 */
export type PathParamsOf<P extends string> = { readonly [K in PathParamNames<P>]: PathValue };

/** The message a misplaced key shows: `params` of a path without placeholders. */
export type NoPlaceholders = { readonly [key: string]: "this path has no :name placeholder for this key; query parameters go in `query`" };

/** The `params` option for a call to path `P`: required with its placeholders, loose when `P` is only known as `string`. */
export type ParamsOption<P extends string> = string extends P
  ? { params?: PathParams }
  : [PathParamNames<P>] extends [never]
    ? { params?: NoPlaceholders }
    : { params: PathParamsOf<P> };

/** True when a call to `P` cannot be made without options (its template has placeholders). */
export type NeedsParams<P extends string> = string extends P ? false : [PathParamNames<P>] extends [never] ? false : true;
