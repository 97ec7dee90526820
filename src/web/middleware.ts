/**
 * Middlewares, as aiohttp's `@web.middleware` and `normalize_path_middleware`.
 * @module
 */
import { describe } from '../core/validate.js';
import { HTTPPermanentRedirect, type HTTPMove } from './exceptions.js';
import type { MatchSink } from './router/url-dispatcher.js';
import { matchPathOf } from './server-handler.js';
import type { Middleware } from './types.js';

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
 * When no route matches, redirect to the normalized path if that one
 * matches (`/a//b` → `/a/b`, `/about` → `/about/`), as aiohttp's.
 * @example
 * new Application({ middlewares: [normalizePathMiddleware({ appendSlash: true })] });
 */
export function normalizePathMiddleware(options?: NormalizePathOptions): Middleware {
  const appendSlash = options?.appendSlash ?? true;
  const removeSlash = options?.removeSlash ?? false;
  const mergeSlashes = options?.mergeSlashes ?? true;
  if (appendSlash && removeSlash) throw new TypeError('normalizePathMiddleware(): appendSlash and removeSlash cannot both be true');
  const Redirect = options?.redirectClass ?? HTTPPermanentRedirect;
  return (request, handler) => {
    if (request.route !== null) return handler(request);
    const raw = request.rawPath;
    const candidates: string[] = [];
    const merged = raw.replace(/\/\/+/g, '/');
    if (mergeSlashes && merged !== raw) candidates.push(merged);
    for (const base of mergeSlashes ? [raw, merged] : [raw]) {
      if (appendSlash && !base.endsWith('/')) candidates.push(`${base}/`);
      if (removeSlash && base.endsWith('/') && base.length > 1) candidates.push(base.slice(0, -1));
    }
    const router = request.app.router;
    const sink: MatchSink = { params: {}, allowed: null, router };
    for (const path of candidates) {
      const m = matchPathOf(path);
      if (m !== null && router._resolve(request.method, m, sink) !== null) {
        throw new Redirect(path + (request.queryString === '' ? '' : `?${request.queryString}`));
      }
    }
    return handler(request);
  };
}
