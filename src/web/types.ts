// The function shapes the server is built from.
import type { HTTPException } from './exceptions.js';
import type { Request } from './request.js';
import type { StreamResponse } from './response.js';

/** What a handler gives back: a response, or an HTTPException to send. */
export type HandlerResult = StreamResponse | HTTPException;

/** A request handler, as aiohttp's: `async (request) => response`. */
export type Handler = (request: Request) => HandlerResult | PromiseLike<HandlerResult>;

/** A middleware, in aiohttp's onion order: `async (request, handler) => response`. */
export type Middleware = (request: Request, handler: Handler) => HandlerResult | PromiseLike<HandlerResult>;
