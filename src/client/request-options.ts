/**
 * The options of `session.request()` and how they are checked and resolved
 * into what undici sends.
 * @module
 */
import { describe, toInt } from '../core/validate.js';
import { resolveAgainstBase } from './base-url.js';
import type { BasicAuth } from './auth.js';
import type { RequestData } from './body.js';
import type { ClientMiddleware } from './middlewares.js';
import { InvalidHeaderError, InvalidURL, NonHttpUrlClientError } from './errors.js';
import type { ClientResponse } from './response.js';
import { ClientTimeout, type ClientTimeoutOptions } from './timeout.js';

/** Query parameters: merged into the URL's query string. */
export type Params =
  | URLSearchParams
  | Readonly<Record<string, string | number | boolean | readonly (string | number | boolean)[]>>
  | Iterable<readonly [string, string]>;

/** Request headers: a record, `[name, value]` pairs, or a `Headers`. */
export type HeadersInput = Readonly<Record<string, string | number>> | Iterable<readonly [string, string]> | Headers;

/** `raiseForStatus`: `true` to throw on 4xx/5xx, or a function called with each response. */
export type RaiseForStatus = boolean | ((response: ClientResponse) => void | Promise<void>);

/** Options of `session.request()` and its shortcuts. */
export interface RequestOptions {
  /** Query parameters added to the URL. */
  readonly params?: Params;
  /** The body: text, bytes, a form (`URLSearchParams` or a record), `FormData` (multipart), or an async iterable (streamed). */
  readonly data?: RequestData;
  /** A value sent as JSON (`application/json`). */
  readonly json?: unknown;
  /** Headers added to the session's. Values with CR, LF, NUL, other control characters or characters beyond U+00FF are refused before sending. */
  readonly headers?: HeadersInput;
  /** Cookies sent with this request only, besides the jar's. */
  readonly cookies?: Readonly<Record<string, string>>;
  /** Follow redirects. @default true */
  readonly allowRedirects?: boolean;
  /** Most redirects followed before `TooManyRedirects`. @default 10 */
  readonly maxRedirects?: number;
  /** Follow a redirect from https to http. @default false */
  readonly allowInsecureRedirects?: boolean;
  /** Time limits of this request (replaces the session's). */
  readonly timeout?: ClientTimeout | ClientTimeoutOptions;
  /** `false`: do not check the TLS certificate. @default true */
  readonly ssl?: boolean;
  /** Aborts the request (headers or body), like cancelling the task. */
  readonly signal?: AbortSignal | undefined;
  /** Overrides the session's `raiseForStatus`. */
  readonly raiseForStatus?: RaiseForStatus;
  /** Default `maxSize` of `read()`/`text()`/`json()` for this response (null: none). */
  readonly maxResponseSize?: number | null;
  /** Passed to the trace configs' context factory. */
  readonly traceRequestCtx?: unknown;
  /** The body reader's limit for this response (replaces the session's `readBufsize`). */
  readonly readBufsize?: number;
  /** Longest status line accepted for this response (replaces the session's). */
  readonly maxLineSize?: number;
  /** Longest header name or value accepted for this response (replaces the session's). */
  readonly maxFieldSize?: number;
  /** An HTTP proxy for this request (replaces the session's). */
  readonly proxy?: string | URL | null;
  /** Credentials for the proxy (a `BasicAuth`; replaces the session's). */
  readonly proxyAuth?: BasicAuth | null;
  /** Credentials for this request (replaces the session's; not with credentials in the URL nor an Authorization header). */
  readonly auth?: BasicAuth | null;
  /** Middlewares of this request, replacing the session's (`[]`: none, e.g. for a request made inside a middleware). */
  readonly middlewares?: readonly ClientMiddleware[];
}

// An HTTP token: a header name or a method.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INJECTION = /[\r\n\0]/;
// What undici (and RFC 9110's field-value) allows: HTAB, visible ASCII, space
// and obs-text. Checked here so that anything else fails as InvalidHeaderError
// before a pool slot is taken, not later as a vague connection error.
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** @internal Check one header and add it (lower-case name) to `out`. */
export function addHeader(where: string, out: Record<string, string>, name: unknown, value: unknown): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) throw new InvalidHeaderError(`${where}: invalid header name ${describe(name)}`);
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') throw new InvalidHeaderError(`${where}: header ${JSON.stringify(name)} must be a string, got ${describe(value)}`);
  if (BAD_VALUE.test(value)) {
    if (INJECTION.test(value)) throw new InvalidHeaderError(`${where}: header ${JSON.stringify(name)} contains a CR, LF or NUL character (refused: header injection)`);
    throw new InvalidHeaderError(`${where}: header ${JSON.stringify(name)} contains a character not allowed in a header value (a control character, or beyond U+00FF: encode it first)`);
  }
  const key = name.toLowerCase();
  // `__proto__` is a legal header token; plain assignment would drop it.
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** @internal */
export function readHeaders(where: string, input: unknown, out: Record<string, string>): void {
  if (input === undefined || input === null) return;
  if (typeof input !== 'object') throw new TypeError(`${where}: headers must be an object, pairs or Headers, got ${describe(input)}`);
  if (Symbol.iterator in input) {
    for (const pair of input as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`${where}: headers pairs must be [name, value], got ${describe(pair)}`);
      addHeader(where, out, pair[0], pair[1]);
    }
    return;
  }
  for (const name of Object.keys(input)) addHeader(where, out, name, (input as Record<string, unknown>)[name]);
}

/** @internal Parse and check a URL (a relative one against `base`, never leaving its origin), with `params` merged. */
export function buildUrl(where: string, url: unknown, base: URL | null, params: unknown, schemes: ReadonlySet<string>): URL {
  let u: URL;
  if (url instanceof URL) {
    if (base !== null) throw new InvalidURL(url.href, `a URL object is absolute: it cannot be requested through a session with baseUrl ${base.href} (give a path)`);
    u = new URL(url.href);
  } else if (typeof url === 'string') {
    if (base !== null) {
      u = resolveAgainstBase(url, base);
    } else {
      try {
        u = new URL(url);
      } catch (e) {
        throw new InvalidURL(url, 'not an absolute URL (give a full URL or set baseUrl)', { cause: e });
      }
    }
  } else {
    throw new TypeError(`${where}: url must be a string or a URL, got ${describe(url)}`);
  }
  if (!schemes.has(u.protocol)) throw new NonHttpUrlClientError(u.href, `scheme ${u.protocol} is not supported (${[...schemes].join(', ')})`);
  if (u.hostname === '') throw new InvalidURL(u.href, 'no host');
  if (params !== undefined && params !== null) appendParams(where, u, params);
  return u;
}

function appendParams(where: string, u: URL, params: unknown): void {
  if (typeof params !== 'object' || params === null) throw new TypeError(`${where}: params must be an object, pairs or URLSearchParams, got ${describe(params)}`);
  const sp = u.searchParams;
  if (params instanceof URLSearchParams || Symbol.iterator in params) {
    for (const pair of params as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`${where}: params pairs must be [name, value], got ${describe(pair)}`);
      sp.append(String(pair[0]), String(pair[1]));
    }
    return;
  }
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    for (const x of Array.isArray(v) ? (v as unknown[]) : [v]) {
      if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw new TypeError(`${where}: params ${JSON.stringify(k)} must be a string, number or boolean, got ${describe(x)}`);
      sp.append(k, String(x));
    }
  }
}

const KNOWN_METHODS = new Map<unknown, string>();
for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']) {
  KNOWN_METHODS.set(m, m);
  KNOWN_METHODS.set(m.toLowerCase(), m);
}

/** @internal The method, upper-cased; the usual ones without a regex. */
export function toMethod(where: string, method: unknown): string {
  const known = KNOWN_METHODS.get(method);
  if (known !== undefined) return known;
  if (typeof method !== 'string' || !TOKEN.test(method)) throw new TypeError(`${where}: method must be an HTTP token, got ${describe(method)}`);
  return method.toUpperCase();
}

/** @internal */
export function toTimeout(where: string, value: unknown, dflt: ClientTimeout): ClientTimeout {
  if (value === undefined) return dflt;
  if (value instanceof ClientTimeout) return value;
  if (typeof value === 'object' && value !== null) return new ClientTimeout(value);
  throw new TypeError(`${where}: timeout must be a ClientTimeout or its options, got ${describe(value)}`);
}

/** @internal */
export function toBool(where: string, name: string, value: unknown, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** @internal */
export function toMaxSize(where: string, value: unknown, dflt: number | null): number | null {
  if (value === undefined) return dflt;
  if (value === null) return null;
  return toInt(where, 'maxResponseSize', value, 0);
}

/** @internal */
export function toRaise(where: string, value: unknown, dflt: RaiseForStatus): RaiseForStatus {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean' && typeof value !== 'function') throw new TypeError(`${where}: raiseForStatus must be a boolean or a function, got ${describe(value)}`);
  return value as RaiseForStatus;
}
