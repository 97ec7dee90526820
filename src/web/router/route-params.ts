/**
 * The `matchInfo` type of a route, read from its path at compile time (as
 * Hono does for `:name`): `'/hello/{name}'` gives `{ readonly name: string }`,
 * `'/files/{tail:.*}'` gives `{ readonly tail: string }`. Types only.
 * @module
 */

/** What `matchInfo` holds when the path is not known at compile time. */
export type MatchInfo = Readonly<Record<string, string>>;

// A backslash and the character after it cannot open or close a parameter
// (`{x:\{}`): drop both before counting braces.
type DropEscapes<S extends string> = S extends `${infer A}\\${string}${infer B}` ? `${A}${DropEscapes<B>}` : S;

// The text after the `}` that closes a parameter, `S` starting just after its `{`.
// A regex may hold braces of its own (`{id:\d{1,3}}`): `D` counts those still open.
type AfterParam<S extends string, D extends unknown[] = []> = S extends `${infer A}}${infer B}`
  ? A extends `${string}{${infer Opened}`
    ? AfterParam<`${Opened}}${B}`, [...D, 0]>
    : D extends [unknown, ...infer Rest]
      ? AfterParam<B, Rest>
      : B
  : never;

// The name of the parameter whose text (after its `{`) starts `S`: up to `}`, then up to `:`.
type ParamName<S extends string> = S extends `${infer Inner}}${string}` ? (Inner extends `${infer Name}:${string}` ? Name : Inner) : never;

type Names<S extends string> = S extends `${string}{${infer Rest}` ? ParamName<Rest> | Names<AfterParam<Rest>> : never;

/**
 * The parameters of an aiohttp resource path, each a string; for a `string`
 * that is not a literal, any name.
 * @example
 * type P = RouteParams<'/users/{id:\\d+}/{tail:.*}'>; // { readonly id: string; readonly tail: string }
 */
export type RouteParams<Path extends string> = string extends Path ? MatchInfo : { readonly [K in Names<DropEscapes<Path>>]: string };
