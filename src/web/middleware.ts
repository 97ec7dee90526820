/**
 * Middlewares, as aiohttp's `@web.middleware` and `normalize_path_middleware`.
 * @module
 */
import { describe } from '../core/validate.js';
import { HTTPPermanentRedirect, type HTTPMove } from './exceptions.js';
import { encodeLocation, isSameOrigin } from './location.js';
import type { MatchSink } from './router/url-dispatcher.js';
import { matchPathOf } from './router/path-encoding.js';
import type { Middleware } from './types.js';
import { checkOptions, knownOptions } from '../core/options.js';

const NORMALIZE_PATH_OPTIONS = knownOptions('appendSlash', 'removeSlash', 'mergeSlashes', 'redirectClass');

/**
 * Mark a function as a middleware (aiohttp's decorator). It receives the
 * request and the next handler, and returns a response.
 * @example
 * const timing = middleware(async (request, handler) => {
 *   const resp = await handler(request);
 *   resp.headers.set('X-Handled-By', 'aiots');
 *   return resp;
 * });
 * const app = new Application({ middlewares: [timing] });
 */
export function middleware<M extends Middleware>(fn: M): M {
  if (typeof fn !== 'function') throw new TypeError(`middleware(): fn must be a function (request, handler) => response, got ${describe(fn)}`);
  return fn;
}

/** Options of {@link normalizePathMiddleware}. */
export interface NormalizePathOptions {
  /** Try the path with a trailing slash added. @default true */
  readonly appendSlash?: boolean;
  /** Try the path with the trailing slash removed. @default false */
  readonly removeSlash?: boolean;
  /** Try the path with repeated slashes merged. @default true */
  readonly mergeSlashes?: boolean;
  /** The redirect class. @default HTTPPermanentRedirect (308) */
  readonly redirectClass?: new (location: string) => HTTPMove;
}

/**
 * When no route matches (404 or 405), redirect to the normalized path if
 * that one matches (`/a//b` → `/a/b`, `/about` → `/about/`), as aiohttp's.
 * Candidates are tried in aiohttp's order: slashes merged, then the trailing
 * slash added (or removed), then both. The query string is kept.
 * @example
 * new Application({ middlewares: [normalizePathMiddleware({ appendSlash: true })] });
 */
export function normalizePathMiddleware(options?: NormalizePathOptions): Middleware {
  checkOptions('normalizePathMiddleware()', options, NORMALIZE_PATH_OPTIONS);
  const appendSlash = options?.appendSlash ?? true;
  const removeSlash = options?.removeSlash ?? false;
  const mergeSlashes = options?.mergeSlashes ?? true;
  if (typeof appendSlash !== 'boolean' || typeof removeSlash !== 'boolean' || typeof mergeSlashes !== 'boolean') {
    throw new TypeError('normalizePathMiddleware(): appendSlash, removeSlash and mergeSlashes must be booleans');
  }
  if (appendSlash && removeSlash) throw new TypeError('normalizePathMiddleware(): appendSlash and removeSlash cannot both be true');
  const Redirect = options?.redirectClass ?? HTTPPermanentRedirect;
  if (typeof Redirect !== 'function') throw new TypeError(`normalizePathMiddleware(): redirectClass must be an HTTPMove class, got ${describe(Redirect)}`);
  return (request, handler) => {
    if (request.route !== null) return handler(request);
    const raw = request.rawPath;
    const merge = (p: string): string => p.replace(/\/\/+/g, '/');
    const candidates: string[] = [];
    if (mergeSlashes) candidates.push(merge(raw));
    if (appendSlash && !raw.endsWith('/')) candidates.push(`${raw}/`);
    if (removeSlash && raw.endsWith('/')) candidates.push(raw.slice(0, -1));
    if (mergeSlashes && appendSlash) candidates.push(merge(`${raw}/`));
    if (mergeSlashes && removeSlash && raw.endsWith('/')) candidates.push(merge(raw).slice(0, -1));
    // The candidates are full paths, so they are resolved from the outermost
    // app's router even when the 404 came from inside a sub-application.
    const router = request.app._root.router;
    const sink: MatchSink = { params: {}, allowed: null, router };
    const query = request.queryString === '' ? '' : `?${request.queryString}`;
    for (const candidate of candidates) {
      // A Location starting with `//` is another host to the browser (aiohttp's GHSA-v6wp-4m6f-gcjg).
      const path = candidate.replace(/^\/\/+/, '/');
      if (path === raw || path === '') continue;
      const m = matchPathOf(path);
      if (m === null || router._resolve(request.method, m, sink) === null) continue;
      // Encoded, `/\evil.com` and `/<TAB>/evil.com` cannot read as `//evil.com` to a browser.
      const location = encodeLocation(path + query);
      if (isSameOrigin(location)) throw new Redirect(location);
    }
    return handler(request);
  };
}
