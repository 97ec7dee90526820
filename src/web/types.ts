// The function shapes the server is built from.
import type { HTTPException } from './exceptions.js';
import type { Request } from './request.js';
import type { StreamResponse } from './response.js';
import type { MatchInfo } from './router/route-params.js';

/** What a handler gives back: a response, or an HTTPException to send. */
export type HandlerResult = StreamResponse | HTTPException;

/**
 * A request handler, as aiohttp's: `async (request) => response`. `P` types
 * `request.matchInfo`; the router infers it from the route's path.
 */
export type Handler<P extends MatchInfo = MatchInfo> = (request: Request<P>) => HandlerResult | PromiseLike<HandlerResult>;

/** A middleware, in aiohttp's onion order: `async (request, handler) => response`. */
export type Middleware = (request: Request, handler: Handler) => HandlerResult | PromiseLike<HandlerResult>;
