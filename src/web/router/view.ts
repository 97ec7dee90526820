/**
 * Class-based views, as aiohttp's `web.View`: one method per HTTP verb.
 * @module
 */
import { HTTPMethodNotAllowed } from '../exceptions.js';
import type { Request } from '../request.js';
import type { Handler, HandlerResult } from '../types.js';
import { describe } from '../../core/validate.js';

const VERBS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;

/**
 * Subclass and define `get`, `post`, ... Register with `router.addView(path, MyView)`,
 * or anywhere a handler goes (`addRoute`, `addGet`, `web.get`, ...), as in aiohttp.
 * @example
 * class Users extends View {
 *   async get() { return jsonResponse(await listUsers()); }
 * }
 * app.router.addView('/users', Users);
 */
export class View {
  /** The request being handled. */
  readonly request: Request;
  constructor(request: Request) {
    this.request = request;
  }
}

/** A class deriving from {@link View}. */
export type ViewClass = new (request: Request) => View;

/** True for a class deriving from {@link View}. */
export function isViewClass(value: unknown): value is ViewClass {
  return typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof View;
}

/**
 * @internal What a route runs for `handler`: a View class becomes its
 * dispatcher (as aiohttp accepts a View wherever a handler goes); anything
 * that cannot be called as a handler is refused now rather than answering 500
 * on every request.
 */
export function toHandler(where: string, handler: Handler | ViewClass): Handler {
  if (isViewClass(handler)) return viewHandler(handler);
  // A class that is not a View would throw "cannot be invoked without 'new'" per request.
  if (typeof handler !== 'function') throw new TypeError(`${where}: handler must be a function or a View class, got ${describe(handler)}`);
  if (Function.prototype.toString.call(handler).startsWith('class')) {
    throw new TypeError(`${where}: handler must be a function or a View class, got class ${handler.name || '(anonymous)'}, which does not extend View`);
  }
  return handler;
}

/** @internal The handler that dispatches to the view's method for the request. */
export function viewHandler(cls: ViewClass): Handler {
  if (!isViewClass(cls)) throw new TypeError(`addView(): view must be a class extending View, got ${describe(cls)}`);
  const allowed = VERBS.filter((v) => typeof (cls.prototype as unknown as Record<string, unknown>)[v] === 'function').map((v) => v.toUpperCase());
  return (request) => {
    const view = new cls(request) as unknown as Record<string, unknown>;
    const fn = view[request.method.toLowerCase()];
    if (!VERBS.includes(request.method.toLowerCase() as typeof VERBS[number]) || typeof fn !== 'function') throw new HTTPMethodNotAllowed(request.method, allowed);
    return (fn as () => HandlerResult | PromiseLike<HandlerResult>).call(view);
  };
}
