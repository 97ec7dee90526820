/**
 * The `HTTPException` family, as aiohttp's `web_exceptions`: throw (or
 * return) one from a handler and the client gets that status. One class per
 * status aiohttp has, grouped by `HTTPSuccessful`, `HTTPRedirection`,
 * `HTTPClientError` and `HTTPServerError`.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { describe } from '../core/validate.js';
import { checkWholeBody, hasFraming } from './framing.js';
import { CIMultiDict, checkHeaderValue, type HeadersInit } from './headers.js';
import { encodeLocation } from './location.js';
import type { CookieOptions } from './response.js';
import { DEL_COOKIE_OPTIONS, setCookieLine } from './set-cookie.js';
import { checkOptions, knownOptions } from '../core/options.js';

const HTTP_EXCEPTION_OPTIONS = knownOptions('headers', 'reason', 'text', 'contentType');
// aiohttp's HTTPException also takes `body` (bytes); here the body is `text`.
const HTTP_EXCEPTION_ALIASES = { body: 'text' };

// Statuses whose responses carry no body (aiohttp's `empty_body`).
const EMPTY_BODY = new Set([204, 205, 304]);

/** Options of every {@link HTTPException}. */
export interface HTTPExceptionOptions {
  /** Extra response headers. */
  readonly headers?: HeadersInit;
  /** The reason phrase. @default the standard one for the status */
  readonly reason?: string;
  /** The response body. @default `"<status>: <reason>"`, none for 204, 205 and 304 (as aiohttp) */
  readonly text?: string;
  /** The Content-Type of `text`. @default 'text/plain' */
  readonly contentType?: string;
}

/**
 * Base of the family. Subclasses set `statusCode`.
 * @example
 * throw new HTTPNotFound({ text: 'no such user' });
 * throw new HTTPFound('/login');
 */
export class HTTPException extends Error {
  /** The status every instance of the class carries. */
  static readonly statusCode: number = 0;
  /** The status code. */
  readonly status: number;
  /** The reason phrase. */
  readonly reason: string;
  /** The response body text, or null for none. */
  readonly text: string | null;
  /** The Content-Type of `text`. */
  readonly contentType: string;
  /** Response headers. */
  readonly headers: CIMultiDict;

  constructor(options?: HTTPExceptionOptions) {
    const status = (new.target).statusCode;
    if (status === 0) throw new TypeError(`${new.target.name}: HTTPException and its group classes cannot be instantiated; use a concrete one such as HTTPNotFound`);
    if (options !== undefined) checkOptions(`${new.target.name}()`, options, HTTP_EXCEPTION_OPTIONS, HTTP_EXCEPTION_ALIASES);
    const reason = options?.reason ?? STATUS_CODES[status] ?? 'Unknown';
    // Checked here rather than when the response is written, where the thrower is long gone.
    if (typeof reason !== 'string') throw new TypeError(`${new.target.name}(): reason must be a string, got ${describe(reason)}`);
    checkHeaderValue(`${new.target.name}()`, 'reason', reason);
    const contentType = options?.contentType ?? 'text/plain';
    if (typeof contentType !== 'string') throw new TypeError(`${new.target.name}(): contentType must be a string, got ${describe(contentType)}`);
    checkHeaderValue(`${new.target.name}()`, 'contentType', contentType);
    const text = options?.text ?? (EMPTY_BODY.has(status) ? null : `${status}: ${reason}`);
    super(text ?? `${status}: ${reason}`);
    this.name = new.target.name;
    this.status = status;
    this.reason = reason;
    this.text = text;
    this.contentType = contentType;
    this.headers = new CIMultiDict(options?.headers);
    // Checked here, where the thrower is, rather than when the response is written.
    if (hasFraming(this.headers)) checkWholeBody(`${new.target.name}()`, this.headers, text === null || text === '' ? null : Buffer.byteLength(text));
  }

  /**
   * Set a cookie on the response this exception becomes, as aiohttp's
   * `set_cookie` (a redirect that logs in, a 401 that clears a session).
   * A second call for the same name replaces the first.
   * @example
   * const e = new HTTPFound('/home');
   * e.setCookie('session', id, { httpOnly: true });
   * throw e;
   */
  setCookie(name: string, value: string, options?: CookieOptions): void {
    const line = setCookieLine(`${this.name}.setCookie()`, name, value, options);
    const prefix = `${name}=`;
    const kept = this.headers.getAll('set-cookie').filter((c) => !c.startsWith(prefix));
    this.headers.delete('set-cookie');
    for (const c of kept) this.headers.append('Set-Cookie', c);
    this.headers.append('Set-Cookie', line);
  }

  /** Tell the client to drop a cookie (an expired `Set-Cookie`), as aiohttp's `del_cookie`. */
  delCookie(name: string, options?: Pick<CookieOptions, 'path' | 'domain'>): void {
    checkOptions(`${this.name}.delCookie()`, options, DEL_COOKIE_OPTIONS);
    this.setCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) });
  }
}

/** 2xx. */
export class HTTPSuccessful extends HTTPException {}
/** 200 */ export class HTTPOk extends HTTPSuccessful { static override readonly statusCode: number = 200; }
/** 201 */ export class HTTPCreated extends HTTPSuccessful { static override readonly statusCode: number = 201; }
/** 202 */ export class HTTPAccepted extends HTTPSuccessful { static override readonly statusCode: number = 202; }
/** 203 */ export class HTTPNonAuthoritativeInformation extends HTTPSuccessful { static override readonly statusCode: number = 203; }
/** 204 */ export class HTTPNoContent extends HTTPSuccessful { static override readonly statusCode: number = 204; }
/** 205 */ export class HTTPResetContent extends HTTPSuccessful { static override readonly statusCode: number = 205; }
/** 206 */ export class HTTPPartialContent extends HTTPSuccessful { static override readonly statusCode: number = 206; }

/** 3xx. */
export class HTTPRedirection extends HTTPException {}

/**
 * A 3xx that carries a `Location`. What a URL may not hold as is (non-ASCII,
 * spaces, controls, `\`) is percent-encoded, as aiohttp's yarl does:
 * `new HTTPFound('/search?q=€').location` is `'/search?q=%E2%82%AC'`.
 */
export class HTTPMove extends HTTPRedirection {
  /** Where the client is sent, as sent (percent-encoded). */
  readonly location: string;
  constructor(location: string, options?: HTTPExceptionOptions) {
    super(options);
    if (typeof location !== 'string' || location === '') throw new TypeError(`${new.target.name}(): location must be a non-empty string, got ${typeof location === 'string' ? 'an empty string' : typeof location}`);
    if (/[\r\n\0]/.test(location)) throw new TypeError(`${new.target.name}(): location must not contain CR, LF or NUL, got ${JSON.stringify(location)}`);
    this.location = encodeLocation(location);
    this.headers.set('Location', this.location);
  }
}
/** 300 */ export class HTTPMultipleChoices extends HTTPMove { static override readonly statusCode: number = 300; }
/** 301 */ export class HTTPMovedPermanently extends HTTPMove { static override readonly statusCode: number = 301; }
/** 302 */ export class HTTPFound extends HTTPMove { static override readonly statusCode: number = 302; }
/** 303 */ export class HTTPSeeOther extends HTTPMove { static override readonly statusCode: number = 303; }
/** 304 */ export class HTTPNotModified extends HTTPRedirection { static override readonly statusCode: number = 304; }
/** 305 */ export class HTTPUseProxy extends HTTPMove { static override readonly statusCode: number = 305; }
/** 307 */ export class HTTPTemporaryRedirect extends HTTPMove { static override readonly statusCode: number = 307; }
/** 308 */ export class HTTPPermanentRedirect extends HTTPMove { static override readonly statusCode: number = 308; }

/** 4xx and 5xx. */
export class HTTPError extends HTTPException {}
/** 4xx. */
export class HTTPClientError extends HTTPError {}
/** 400 */ export class HTTPBadRequest extends HTTPClientError { static override readonly statusCode: number = 400; }
/** 401 */ export class HTTPUnauthorized extends HTTPClientError { static override readonly statusCode: number = 401; }
/** 402 */ export class HTTPPaymentRequired extends HTTPClientError { static override readonly statusCode: number = 402; }
/** 403 */ export class HTTPForbidden extends HTTPClientError { static override readonly statusCode: number = 403; }
/** 404 */ export class HTTPNotFound extends HTTPClientError { static override readonly statusCode: number = 404; }

/** 405, with the `Allow` header listing the methods the path accepts. */
export class HTTPMethodNotAllowed extends HTTPClientError {
  static override readonly statusCode: number = 405;
  /** The method the client used. */
  readonly method: string;
  /** The methods the resource accepts. */
  readonly allowedMethods: ReadonlySet<string>;
  constructor(method: string, allowedMethods: Iterable<string>, options?: HTTPExceptionOptions) {
    super(options);
    this.method = String(method).toUpperCase();
    this.allowedMethods = new Set(allowedMethods);
    this.headers.set('Allow', [...this.allowedMethods].sort().join(','));
  }
}
/** 406 */ export class HTTPNotAcceptable extends HTTPClientError { static override readonly statusCode: number = 406; }
/** 407 */ export class HTTPProxyAuthenticationRequired extends HTTPClientError { static override readonly statusCode: number = 407; }
/** 408 */ export class HTTPRequestTimeout extends HTTPClientError { static override readonly statusCode: number = 408; }
/** 409 */ export class HTTPConflict extends HTTPClientError { static override readonly statusCode: number = 409; }
/** 410 */ export class HTTPGone extends HTTPClientError { static override readonly statusCode: number = 410; }
/** 411 */ export class HTTPLengthRequired extends HTTPClientError { static override readonly statusCode: number = 411; }
/** 412 */ export class HTTPPreconditionFailed extends HTTPClientError { static override readonly statusCode: number = 412; }

/** 413, naming the limit and the size seen. */
export class HTTPRequestEntityTooLarge extends HTTPClientError {
  static override readonly statusCode: number = 413;
  constructor(maxSize: number, actualSize: number | null, options?: HTTPExceptionOptions) {
    const text = options?.text ?? `Maximum request body size ${maxSize} exceeded, actual body size ${actualSize ?? 'unknown'}`;
    super({ ...options, text });
  }
}
/** 414 */ export class HTTPRequestURITooLong extends HTTPClientError { static override readonly statusCode: number = 414; }
/** 415 */ export class HTTPUnsupportedMediaType extends HTTPClientError { static override readonly statusCode: number = 415; }
/** 416 */ export class HTTPRequestRangeNotSatisfiable extends HTTPClientError { static override readonly statusCode: number = 416; }
/** 417 */ export class HTTPExpectationFailed extends HTTPClientError { static override readonly statusCode: number = 417; }
/** 421 */ export class HTTPMisdirectedRequest extends HTTPClientError { static override readonly statusCode: number = 421; }
/** 422 */ export class HTTPUnprocessableEntity extends HTTPClientError { static override readonly statusCode: number = 422; }
/** 424 */ export class HTTPFailedDependency extends HTTPClientError { static override readonly statusCode: number = 424; }
/** 426 */ export class HTTPUpgradeRequired extends HTTPClientError { static override readonly statusCode: number = 426; }
/** 428 */ export class HTTPPreconditionRequired extends HTTPClientError { static override readonly statusCode: number = 428; }
/** 429 */ export class HTTPTooManyRequests extends HTTPClientError { static override readonly statusCode: number = 429; }
/** 431 */ export class HTTPRequestHeaderFieldsTooLarge extends HTTPClientError { static override readonly statusCode: number = 431; }
/**
 * 451, with a `Link: <link>; rel="blocked-by"` header naming who demands the block.
 * @example
 * throw new HTTPUnavailableForLegalReasons('https://authority.example/order/42');
 */
export class HTTPUnavailableForLegalReasons extends HTTPClientError {
  static override readonly statusCode: number = 451;
  /** The blocking entity's URL, or null. */
  readonly link: string | null;
  constructor(link?: string | null, options?: HTTPExceptionOptions) {
    super(options);
    if (link !== undefined && link !== null && typeof link !== 'string') throw new TypeError(`HTTPUnavailableForLegalReasons(): link must be a string or null, got ${describe(link)}`);
    this.link = link === undefined || link === '' ? null : link;
    if (this.link !== null) this.headers.set('Link', `<${this.link}>; rel="blocked-by"`);
  }
}

/** 5xx. */
export class HTTPServerError extends HTTPError {}
/** 500 */ export class HTTPInternalServerError extends HTTPServerError { static override readonly statusCode: number = 500; }
/** 501 */ export class HTTPNotImplemented extends HTTPServerError { static override readonly statusCode: number = 501; }
/** 502 */ export class HTTPBadGateway extends HTTPServerError { static override readonly statusCode: number = 502; }
/** 503 */ export class HTTPServiceUnavailable extends HTTPServerError { static override readonly statusCode: number = 503; }
/** 504 */ export class HTTPGatewayTimeout extends HTTPServerError { static override readonly statusCode: number = 504; }
/** 505 */ export class HTTPVersionNotSupported extends HTTPServerError { static override readonly statusCode: number = 505; }
/** 506 */ export class HTTPVariantAlsoNegotiates extends HTTPServerError { static override readonly statusCode: number = 506; }
/** 507 */ export class HTTPInsufficientStorage extends HTTPServerError { static override readonly statusCode: number = 507; }
/** 510 */ export class HTTPNotExtended extends HTTPServerError { static override readonly statusCode: number = 510; }
/** 511 */ export class HTTPNetworkAuthenticationRequired extends HTTPServerError { static override readonly statusCode: number = 511; }
