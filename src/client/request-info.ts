/**
 * `RequestInfo`: what was sent, as aiohttp's `RequestInfo`.
 * @module
 */

/** The request a response or an error belongs to. */
export interface RequestInfo {
  /** The URL requested, as given (after `params` and `baseUrl`). */
  readonly url: URL;
  /** The HTTP method. */
  readonly method: string;
  /** The request headers sent (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** The URL requested, fragment included. */
  readonly realUrl: URL;
}
