// The function shapes the server is built from.
import type { HTTPException } from './exceptions.js';
import type { Request } from './request.js';
import type { StreamResponse } from './response.js';
import type { MatchInfo } from './router/route-params.js';
import type { WebSocketResponse } from './websocket-response.js';

/** What a handler gives back: a response, an HTTPException to send, or the WebSocketResponse it prepared. */
export type HandlerResult = StreamResponse | HTTPException | WebSocketResponse;

/**
 * A request handler, as aiohttp's: `async (request) => response`. `P` types
 * `request.matchInfo`; the router infers it from the route's path.
 */
export type Handler<P extends MatchInfo = MatchInfo> = (request: Request<P>) => HandlerResult | PromiseLike<HandlerResult>;

/** A middleware, in aiohttp's onion order: `async (request, handler) => response`. */
export type Middleware = (request: Request, handler: Handler) => HandlerResult | PromiseLike<HandlerResult>;
