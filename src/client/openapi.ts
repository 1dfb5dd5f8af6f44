/**
 * Types for a client typed by an OpenAPI document: `createClient<paths>()`,
 * where `paths` is what openapi-typescript generates. Paths are the
 * document's own (`/pets/{petId}`); each operation types ballast's options:
 * `params` (path parameters), `query`, `json` / `form` (the request body) and
 * what the call resolves to (the body of its 2xx response). Types only: the
 * client underneath is the same.
 */
import type { Page } from "../pagination/pages.js";
import type { PaginationStrategy } from "../pagination/types.js";
import type { InferOutput, Schema } from "../schema/validate.js";
import type { SseEvent } from "../streaming/sse.js";
import type { BodyOptions } from "./body.js";
import type { CallPromise } from "./call.js";
import type { CookieValue } from "./cookies.js";
import type { BaseCallOptions } from "./options.js";
import type { PagesBase, PaginateBase } from "./pagination-methods.js";
import type { ParamsOption } from "./path-params.js";
import type { SseBase } from "./streaming-methods.js";

/** The methods of an OpenAPI path item, lower case as openapi-typescript writes them. */
export type OpenApiMethod = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";

/** The paths of `Paths` that have an operation for method `M`. */
export type PathsWithMethod<Paths, M extends OpenApiMethod> = {
  [P in keyof Paths]-?: Paths[P] extends { [K in M]: infer Op } ? ([Op] extends [undefined] ? never : P) : never;
}[keyof Paths] &
  string;

/** The operation object of `M` on path `P`. */
export type OperationOf<Paths, P extends keyof Paths, M extends OpenApiMethod> = Paths[P] extends { [K in M]: infer Op } ? Op : never;

/** Property `K` of `T` without `undefined`, or never when `T` has none. */
type Field<T, K extends string> = K extends keyof T ? Exclude<T[K], undefined> : never;
/** Whether `T` requires `K`. */
type Requires<T, K extends string> = K extends keyof T ? ({} extends Pick<T, K> ? false : true) : false;

type OpParameters<Op> = Field<Op, "parameters">;

/** `params`: the operation's path parameters (the template's, when the document declares none). */
type PathOption<Op, P extends string> = [Field<OpParameters<Op>, "path">] extends [never] ? ParamsOption<P> : { params: Field<OpParameters<Op>, "path"> };

/** `query`: the operation's query parameters, required when one of them is; none when it declares none. */
type QueryOption<Op> = [Field<OpParameters<Op>, "query">] extends [never]
  ? { query?: never }
  : Requires<OpParameters<Op>, "query"> extends true
    ? { query: Field<OpParameters<Op>, "query"> }
    : { query?: Field<OpParameters<Op>, "query"> };

type JsonMedia<C> = Extract<keyof C, `${string}json${string}`>;
type FormMedia = "application/x-www-form-urlencoded";
type MultipartMedia = `multipart/${string}`;
/** Media types sent as a raw `body`: anything but JSON, URL-encoded forms and multipart (XML, bytes, text, any). */
type OtherMedia<C> = Exclude<keyof C, JsonMedia<C> | FormMedia | MultipartMedia>;

/** No body option at all. */
type NoBody = { json?: never; form?: never; multipart?: never; body?: never };

/** One way to send a body per media type the operation takes: exactly one of `json`, `form`, `multipart` and `body`. */
type BodyShapes<C> =
  | ([JsonMedia<C>] extends [never] ? never : Omit<NoBody, "json"> & { json: C[JsonMedia<C>] })
  | (FormMedia extends keyof C ? Omit<NoBody, "form"> & { form: C[FormMedia] } : never)
  | ([Extract<keyof C, MultipartMedia>] extends [never] ? never : Omit<NoBody, "multipart"> & { multipart: NonNullable<BodyOptions["multipart"]> })
  | ([OtherMedia<C>] extends [never]
      ? never
      : Omit<NoBody, "body"> & {
          /** A raw body, for the media types other than JSON, forms and multipart (XML, bytes, text). */
          body: NonNullable<BodyOptions["body"]>;
        });

/**
 * The body options of an operation: exactly one of its media types' shapes when
 * the body is required, one or none when it is optional, none when the operation takes no body.
 */
type BodyOption<Op> = [Field<Op, "requestBody">] extends [never]
  ? NoBody
  : Requires<Op, "requestBody"> extends true
    ? BodyShapes<Field<Field<Op, "requestBody">, "content">>
    : BodyShapes<Field<Field<Op, "requestBody">, "content">> | NoBody;

/** A header parameter's value as it is sent: text (a number or boolean parameter is written as one). */
type HeaderText<V> = V extends string ? V : V extends number | boolean | bigint ? `${V}` : string;
type OtherHeaders = Record<string, string | undefined>;

/**
 * One header parameter `K`, written as the document spells it or in lower case
 * (header names are case-insensitive; fetch and undici send them lower case,
 * and so does ballast): when it is required, either spelling will do.
 */
type OneHeader<K extends string, V, Required extends boolean> = Required extends true
  ? ({ [N in K]: V } & { [N in Lowercase<K>]?: V }) | ({ [N in K]?: V } & { [N in Lowercase<K>]: V })
  : { [N in K]?: V } & { [N in Lowercase<K>]?: V };

/** Every header parameter of `H`, each in either spelling: the intersection of their {@link OneHeader}s. */
type HeaderParams<H> = {
  [K in keyof H & string]-?: (spelled: OneHeader<K, HeaderText<Exclude<H[K], undefined>>, {} extends Pick<H, K> ? false : true>) => void;
}[keyof H & string] extends (spelled: infer All) => void
  ? All
  : never;

/**
 * `headers`: the operation's header parameters (as the document spells them, or
 * in lower case), required when one is; any other header besides.
 */
type HeaderOption<Op> = [Field<OpParameters<Op>, "header">] extends [never]
  ? { headers?: OtherHeaders }
  : HeaderParams<Field<OpParameters<Op>, "header">> & OtherHeaders extends infer H
    ? Requires<OpParameters<Op>, "header"> extends true
      ? { headers: H }
      : { headers?: H }
    : never;

type OtherCookies = Readonly<Record<string, CookieValue | undefined>>;

/** `cookies`: the operation's cookie parameters, required when one is; other cookies besides. */
type CookieOption<Op> = [Field<OpParameters<Op>, "cookie">] extends [never]
  ? { cookies?: OtherCookies }
  : Field<OpParameters<Op>, "cookie"> & OtherCookies extends infer C
    ? Requires<OpParameters<Op>, "cookie"> extends true
      ? { cookies: C }
      : { cookies?: C }
    : never;

/** Statuses whose body a call resolves to; the others are an `HttpError`. */
type OkStatus = 200 | 201 | 202 | 203 | 204 | 205 | 206 | 207 | 208 | 226 | "2XX";

/** What ballast's default decoding gives for a response with media types `C`: JSON parsed, text as a string, else bytes. */
type Decoded<C> = [JsonMedia<C>] extends [never]
  ? [Extract<keyof C, `text/${string}` | `${string}xml${string}`>] extends [never]
    ? Uint8Array
    : string
  : C[JsonMedia<C>];

/** The decoded body of one response object; `undefined` when it has no content (204). */
type BodyOf<Response> = Response extends unknown ? ([Field<Response, "content">] extends [never] ? undefined : Decoded<Field<Response, "content">>) : never;

type Responses<Op> = Field<Op, "responses">;

/** What a call to the operation resolves to: the body of its 2xx responses (of `default` when it declares no 2xx). */
export type ResponseData<Op> = [Extract<keyof Responses<Op>, OkStatus>] extends [never]
  ? "default" extends keyof Responses<Op>
    ? BodyOf<Responses<Op>["default"]>
    : unknown
  : BodyOf<Responses<Op>[Extract<keyof Responses<Op>, OkStatus>]>;

/** The options of a call to operation `Op` on path `P`. */
export type OperationOptions<Op, P extends string> = Omit<BaseCallOptions, "query" | "headers" | "cookies" | "json" | "form" | "multipart" | "body"> &
  PathOption<Op, P> &
  QueryOption<Op> &
  HeaderOption<Op> &
  CookieOption<Op> &
  BodyOption<Op>;

type OperationArgs<Op, P extends string> = {} extends OperationOptions<Op, P> ? [options?: OperationOptions<Op, P>] : [options: OperationOptions<Op, P>];

/** A verb method of an OpenAPI-typed client: `client.get("/pets/{petId}", { params: { petId } })` resolves to the 2xx body. */
export interface OpenApiVerb<Paths, M extends OpenApiMethod> {
  <P extends PathsWithMethod<Paths, M>, S extends Schema, R>(
    path: P,
    options: OperationOptions<OperationOf<Paths, P, M>, P> & { schema: S; transform: (data: InferOutput<S>) => R },
  ): CallPromise<Awaited<R>>;
  <P extends PathsWithMethod<Paths, M>, S extends Schema>(
    path: P,
    options: OperationOptions<OperationOf<Paths, P, M>, P> & { schema: S },
  ): CallPromise<InferOutput<S>>;
  <P extends PathsWithMethod<Paths, M>, R>(
    path: P,
    options: OperationOptions<OperationOf<Paths, P, M>, P> & { transform: (data: ResponseData<OperationOf<Paths, P, M>>) => R },
  ): CallPromise<Awaited<R>>;
  <P extends PathsWithMethod<Paths, M>>(path: P, ...options: OperationArgs<OperationOf<Paths, P, M>, P>): CallPromise<ResponseData<OperationOf<Paths, P, M>>>;
}

/** Options of paginate/pages/sse on a GET operation: its path, query, header and cookie parameters. */
type GetParams<Paths, P extends PathsWithMethod<Paths, "get">> = PathOption<OperationOf<Paths, P, "get">, P> &
  QueryOption<OperationOf<Paths, P, "get">> &
  HeaderOption<OperationOf<Paths, P, "get">> &
  CookieOption<OperationOf<Paths, P, "get">>;

/** A strategy for the pages of GET `P`: its extractors see the page body typed as the operation's 2xx body. */
type StrategyFor<Paths, P extends PathsWithMethod<Paths, "get">, Item> = { strategy: PaginationStrategy<Item, ResponseData<OperationOf<Paths, P, "get">>> };

/** `paginate`, `pages` and `sse` of an OpenAPI-typed client: GET paths of the document, their params and query typed. */
export interface OpenApiStreams<Paths> {
  paginate<Raw, Out = Raw, T = Out, P extends PathsWithMethod<Paths, "get"> = PathsWithMethod<Paths, "get">>(
    path: P,
    options: Omit<PaginateBase<Raw, Out, T>, "query" | "strategy"> & StrategyFor<Paths, P, Raw> & GetParams<Paths, P>,
  ): AsyncGenerator<T, void, undefined>;
  pages<Item, P extends PathsWithMethod<Paths, "get"> = PathsWithMethod<Paths, "get">>(
    path: P,
    options: Omit<PagesBase<Item>, "query" | "strategy"> & StrategyFor<Paths, P, Item> & GetParams<Paths, P>,
  ): AsyncGenerator<Page<Item>, void, undefined>;
  sse<P extends PathsWithMethod<Paths, "get">>(
    path: P,
    ...options: {} extends Omit<SseBase, "query"> & GetParams<Paths, P>
      ? [options?: Omit<SseBase, "query"> & GetParams<Paths, P>]
      : [options: Omit<SseBase, "query"> & GetParams<Paths, P>]
  ): AsyncGenerator<SseEvent, void, undefined>;
}
