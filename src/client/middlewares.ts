/**
 * Client middlewares, as aiohttp 3.12's: `async (request, handler) => response`
 * around each request (each redirect hop), in onion order: the first in the
 * list is the outermost.
 * @module
 */
import { describe } from '../core/validate.js';
import { ClientRequest } from './client-request.js';
import { ClientResponse } from './response.js';

/** Sends a request (or hands it to the next middleware) and resolves with the response. */
export type ClientHandler = (request: ClientRequest) => Promise<ClientResponse>;

/** A middleware function: change the request, call `handler` (once, several times, or not), return a response. */
export type ClientMiddlewareFunction = (request: ClientRequest, handler: ClientHandler) => Promise<ClientResponse>;

/**
 * A client middleware: a function, or an object with a `handle` method (the
 * shape of aiohttp's callable classes, such as {@link DigestAuthMiddleware}).
 * @example
 * const logging: ClientMiddleware = async (request, handler) => {
 *   const resp = await handler(request);
 *   console.log(request.method, request.url.href, resp.status);
 *   return resp;
 * };
 * new ClientSession({ middlewares: [logging] });
 */
export type ClientMiddleware = ClientMiddlewareFunction | { readonly handle: ClientMiddlewareFunction };

/** @internal The middlewares as functions, or null for none (so the request path can skip them with one test). */
export function toMiddlewares(where: string, value: unknown): readonly ClientMiddlewareFunction[] | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || !(Symbol.iterator in value) || typeof value === 'string') {
    throw new TypeError(`${where}: middlewares must be an array of middlewares, got ${describe(value)}`);
  }
  const out: ClientMiddlewareFunction[] = [];
  for (const mw of value as Iterable<unknown>) {
    if (typeof mw === 'function') out.push(mw as ClientMiddlewareFunction);
    else if (typeof mw === 'object' && mw !== null && typeof (mw as { handle?: unknown }).handle === 'function') {
      const obj = mw as { handle: ClientMiddlewareFunction };
      out.push((request, handler) => obj.handle(request, handler));
    } else {
      throw new TypeError(`${where}: each middleware must be a function (request, handler) => response or an object with a handle method, got ${describe(mw)}`);
    }
  }
  return out.length === 0 ? null : out;
}

/** @internal The handler that runs `middlewares` around `send`; each layer checks what it is given and what it returns. */
export function buildChain(send: ClientHandler, middlewares: readonly ClientMiddlewareFunction[]): ClientHandler {
  let next: ClientHandler = checked(send, -1);
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const mw = middlewares[i] as ClientMiddlewareFunction;
    const inner = next;
    next = checked((request) => mw(request, inner), i);
  }
  return next;
}

function checked(fn: ClientHandler, index: number): ClientHandler {
  return async (request) => {
    if (!(request instanceof ClientRequest)) {
      throw new TypeError(`client middleware: the handler must be called with the ClientRequest, got ${describe(request)}`);
    }
    const resp: unknown = await fn(request);
    if (!(resp instanceof ClientResponse)) {
      throw new TypeError(`client middleware #${index}: returned ${describe(resp)}, not a ClientResponse (return what handler(request) resolves with)`);
    }
    return resp;
  };
}
