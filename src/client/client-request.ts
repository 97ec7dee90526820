/**
 * `ClientRequest`: what a client middleware sees and may change before the
 * request goes on the wire, as aiohttp 3.12's `ClientRequest`.
 * @module
 */
import { inspect } from 'node:util';
import { encodeBody, type EncodedBody, type RequestData } from './body.js';
import type { ClientSession } from './session.js';

/**
 * One request on its way through the middlewares. `method`, `url`, `headers`
 * and `body` may be changed; the handler sends what they hold when it is
 * called, and may be called again (a retry) with the same or a changed request.
 * @example
 * const addToken: ClientMiddleware = async (request, handler) => {
 *   request.headers.set('Authorization', `Bearer ${token}`);
 *   return handler(request);
 * };
 */
export class ClientRequest {
  /** The HTTP method (upper case). */
  method: string;
  /** The URL to send to (credentials already taken out into `Authorization`). */
  url: URL;
  /** The headers to send: the session's, the request's, auth, cookies and content type, case-insensitive. */
  readonly headers: Headers;
  /** The session that sends it (for requests of its own: pass `middlewares: []` to skip the middlewares). */
  readonly session: ClientSession;
  #body: EncodedBody;
  /** @internal Set once a body that cannot be replayed was handed to the wire. */
  _consumed = false;

  /** @internal */
  constructor(session: ClientSession, method: string, url: URL, headers: Readonly<Record<string, string>>, body: EncodedBody) {
    this.session = session;
    this.method = method;
    this.url = new URL(url.href);
    const h = new Headers();
    for (const name of Object.keys(headers)) h.append(name, headers[name] as string);
    this.headers = h;
    this.#body = body;
  }

  /** The body as it will be sent: text, bytes, a stream, or null. */
  get body(): string | Uint8Array | AsyncIterable<Uint8Array | string> | null {
    return this.#body.body;
  }

  /** Replace the body (what `data` accepts); sets `Content-Type` to the new body's when it has one. */
  set body(data: RequestData | null) {
    const enc = encodeBody('ClientRequest.body', data ?? undefined, undefined, false);
    this.#body = enc;
    this._consumed = false;
    if (enc.contentType !== null) this.headers.set('content-type', enc.contentType);
  }

  /** @internal */
  get _encoded(): EncodedBody {
    return this.#body;
  }

  /** For logs: `<ClientRequest(GET http://host/path)>`. */
  toString(): string {
    return `<ClientRequest(${this.method} ${this.url.href})>`;
  }

  /** The `toString()` line. */
  [inspect.custom](): string {
    return this.toString();
  }
}
