/**
 * Class-based views, as aiohttp's `web.View`: one method per HTTP verb.
 * @module
 */
import { HTTPMethodNotAllowed } from '../exceptions.js';
import type { Request } from '../request.js';
import type { Handler, HandlerResult } from '../types.js';

const VERBS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;

/**
 * Subclass and define `get`, `post`, ... Register with `router.addView(path, MyView)`.
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

/** @internal The handler that dispatches to the view's method for the request. */
export function viewHandler(cls: ViewClass): Handler {
  if (typeof cls !== 'function' || !(cls.prototype instanceof View)) throw new TypeError('addView(): view must be a class extending View');
  const allowed = VERBS.filter((v) => typeof (cls.prototype as unknown as Record<string, unknown>)[v] === 'function').map((v) => v.toUpperCase());
  return (request) => {
    const view = new cls(request) as unknown as Record<string, unknown>;
    const fn = view[request.method.toLowerCase()];
    if (!VERBS.includes(request.method.toLowerCase() as typeof VERBS[number]) || typeof fn !== 'function') throw new HTTPMethodNotAllowed(request.method, allowed);
    return (fn as () => HandlerResult | PromiseLike<HandlerResult>).call(view);
  };
}
