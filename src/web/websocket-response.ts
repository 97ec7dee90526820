/**
 * `WebSocketResponse`, as aiohttp's: the server side of a WebSocket. The
 * handshake comes through the router and middlewares as any request;
 * `prepare()` checks it and hands the connection to `ws`, which does the
 * framing; the messages go through the layer the client shares (src/ws).
 * @module
 */
import { InvalidStateError } from '../core/errors.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { describe, toDelay, toInt } from '../core/validate.js';
import { WSCloseCode } from '../ws/message.js';
import { WebSocketBase, type WebSocketOptions } from '../ws/websocket.js';
import { HTTPBadRequest, HTTPMethodNotAllowed } from './exceptions.js';
import type { CIMultiDict } from './headers.js';
import type { Request } from './request.js';
import { ConnectionResetError, StreamResponse, type CookieOptions } from './response.js';
import { handOver, upgradeOf } from './upgrade.js';
import { checkHandshake } from './ws-handshake.js';
import { upgradeSocket } from './ws-servers.js';

const W = 'WebSocketResponse()';
const OPTIONS = knownOptions('heartbeat', 'autoping', 'autoclose', 'maxMsgSize', 'protocols', 'compress', 'receiveTimeout', 'timeout');
const ALIASES = { max_msg_size: 'maxMsgSize', receive_timeout: 'receiveTimeout', writer_limit: 'writerLimit (not in aiots: send*() waits on the socket\'s buffer)' };
// Written by `ws` itself; a handler's copy would contradict it.
const OWN_HEADERS = new Set(['upgrade', 'connection', 'sec-websocket-accept', 'sec-websocket-protocol', 'sec-websocket-extensions', 'content-length', 'transfer-encoding']);

/** Options of {@link WebSocketResponse}. Durations in seconds. */
export interface WebSocketResponseOptions {
  /** Send a ping every `heartbeat` seconds; no pong within half of it closes the socket (1006). @default null */
  readonly heartbeat?: number | null;
  /** Answer pings with pongs and keep PING/PONG out of `receive()`. @default true */
  readonly autoping?: boolean;
  /** Count the connection closed as soon as `receive()` returns the peer's CLOSE. @default true */
  readonly autoclose?: boolean;
  /** Largest message accepted, in bytes (0: no limit); a larger one closes the socket with 1009. @default 4194304 (4 MiB) */
  readonly maxMsgSize?: number;
  /** The subprotocols the server speaks; the first one the client offers is chosen. @default [] */
  readonly protocols?: readonly string[];
  /** Accept permessage-deflate when the client offers it. @default true */
  readonly compress?: boolean;
  /** Default timeout of `receive()`. @default null */
  readonly receiveTimeout?: number | null;
  /** How long `close()` waits for the peer's close frame before dropping the connection (aiohttp's `timeout`). @default 10 */
  readonly timeout?: number;
}

/** What `canPrepare()` tells, as aiohttp's `WebSocketReady`. */
export interface WebSocketReady {
  /** True when `prepare()` would accept the handshake. */
  readonly ok: boolean;
  /** The subprotocol that would be chosen, or null. */
  readonly protocol: string | null;
}

/**
 * A server WebSocket: `prepare(request)` answers the handshake, then
 * `send*`, `receive*`, `for await`, `close()` as the client's. The handler
 * returns it, as in aiohttp; when the handler ends, a socket still open is
 * closed (1000, or 1011 when the handler failed).
 * @example
 * app.router.addGet('/ws', async (request) => {
 *   const ws = new WebSocketResponse();
 *   await ws.prepare(request);
 *   for await (const msg of ws) {
 *     if (msg.type === WSMsgType.TEXT) await ws.sendStr(`echo: ${msg.data}`);
 *   }
 *   return ws;
 * });
 */
export class WebSocketResponse extends WebSocketBase {
  readonly #protocols: readonly string[];
  readonly #maxMsgSize: number;
  readonly #compress: boolean;
  readonly #autoping: boolean;
  // The 101's status, headers and cookies, and the access log's view of it;
  // made when first asked for (most handlers set no header on the 101).
  #head: StreamResponse | undefined = undefined;
  #prepared = false;
  #wsProtocol: string | null = null;

  constructor(options: WebSocketResponseOptions = {}) {
    checkOptions(W, options, OPTIONS, ALIASES);
    const { protocols = [], maxMsgSize, compress = true, timeout, ...rest } = options;
    // Checked here so that a bad value is told by its name here, not the base's.
    const base: WebSocketOptions = { ...rest, ...(timeout === undefined ? {} : { closeTimeout: toDelay(W, 'timeout', timeout) }) };
    super(base, W);
    if (!Array.isArray(protocols) || protocols.some((p) => typeof p !== 'string')) throw new TypeError(`${W}: protocols must be an array of strings, got ${describe(protocols)}`);
    if (typeof compress !== 'boolean') throw new TypeError(`${W}: compress must be a boolean, got ${describe(compress)}`);
    this.#protocols = [...(protocols as readonly string[])];
    this.#maxMsgSize = maxMsgSize === undefined ? 4 * 1024 * 1024 : toInt(W, 'maxMsgSize', maxMsgSize, 0);
    this.#compress = compress;
    this.#autoping = options.autoping ?? true;
  }

  /** 101: the status of the handshake's answer. */
  get status(): number {
    return 101;
  }

  /** Headers to send with the 101 answer (a middleware may add some before `prepare()`). */
  get headers(): CIMultiDict {
    return this.#head101().headers;
  }

  /** Set a cookie on the 101 answer, as `StreamResponse.setCookie`. */
  setCookie(name: string, value: string, options?: CookieOptions): void {
    this.#checkNotPrepared('setCookie()');
    this.#head101().setCookie(name, value, options);
  }

  /** Drop a cookie on the 101 answer, as `StreamResponse.delCookie`. */
  delCookie(name: string, options?: Pick<CookieOptions, 'path' | 'domain'>): void {
    this.#checkNotPrepared('delCookie()');
    this.#head101().delCookie(name, options);
  }

  /** True once `prepare()` answered the handshake. */
  get prepared(): boolean {
    return this.#prepared;
  }

  /** The subprotocol agreed with the client, or null (aiohttp's `ws_protocol`). */
  get wsProtocol(): string | null {
    return this.#wsProtocol;
  }

  /** Whether `prepare()` would accept this request, and the subprotocol it would choose; never throws for a bad handshake. */
  canPrepare(request: Request): WebSocketReady {
    if (this.#prepared) throw new InvalidStateError('WebSocketResponse.canPrepare(): already prepared');
    try {
      return { ok: true, protocol: checkHandshake(request, this.#protocols, this.#compress).protocol };
    } catch (e) {
      if (e instanceof HTTPBadRequest || e instanceof HTTPMethodNotAllowed) return { ok: false, protocol: null };
      throw e;
    }
  }

  /**
   * Check the handshake and answer it (101): from here on the connection
   * speaks WebSocket. A bad handshake raises the HTTPException the client
   * gets (HTTPMethodNotAllowed for a method other than GET, else
   * HTTPBadRequest); a second call does nothing.
   */
  async prepare(request: Request): Promise<void> {
    if (this.#prepared) return;
    const { protocol } = checkHandshake(request, this.#protocols, this.#compress);
    const res = request._res;
    const state = upgradeOf(res);
    // Valid headers on a request Node did not treat as an upgrade (its check
    // of `Connection` is by token, this one by substring, as aiohttp's).
    if (state === undefined) throw new HTTPBadRequest({ text: `No CONNECTION upgrade hdr: ${request.headers.get('connection') ?? 'None'}` });
    if (state.handedOver) throw new InvalidStateError('WebSocketResponse.prepare(): the connection was already upgraded');
    const lines = this.#headLines();
    const head = handOver(res, state);
    const ws = upgradeSocket(request._req, state.socket, head, { protocol, lines }, this.#maxMsgSize === 0 ? 2 ** 53 - 1 : this.#maxMsgSize, this.#compress, this.#autoping);
    if (ws === null) throw new ConnectionResetError('WebSocketResponse.prepare(): the connection closed before the handshake was answered');
    this.#prepared = true;
    this.#wsProtocol = protocol;
    this._attach(ws);
    state.owner._adopt(this, state.socket, request);
  }

  /** A send that the closing connection cut off fails with web's `ConnectionResetError`, as aiohttp's server does. */
  protected override _connectionResetError(message: string, options?: ErrorOptions): Error {
    return new ConnectionResetError(message, options);
  }

  /** @internal The server is shutting down: close with 1001 (going away). */
  _goAway(): void {
    this.close({ code: WSCloseCode.GOING_AWAY, message: 'Server shutdown' }).catch(ignore);
  }

  /** @internal The handler ended: close a socket still open (1000, or 1011 when it failed). */
  _handlerDone(failed: boolean): void {
    if (this.closed) return;
    this.close({ code: failed ? WSCloseCode.INTERNAL_ERROR : WSCloseCode.OK }).catch(ignore);
  }

  /** @internal The 101 as the access log sees it. */
  get _response(): StreamResponse {
    return this.#head101();
  }

  #head101(): StreamResponse {
    return (this.#head ??= new StreamResponse({ status: 101 }));
  }

  #headLines(): string[] {
    const head = this.#head;
    const lines: string[] = [];
    if (head === undefined) return lines;
    const flat: string[] = [];
    head._headersIfAny()?._flatten(flat);
    const cookies = head._cookieLines();
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i] as string;
      if (!OWN_HEADERS.has(name.toLowerCase())) lines.push(`${name}: ${flat[i + 1] as string}`);
    }
    for (const c of cookies) lines.push(`Set-Cookie: ${c}`);
    return lines;
  }

  #checkNotPrepared(where: string): void {
    if (this.#prepared) throw new InvalidStateError(`WebSocketResponse.${where}: the handshake was already answered`);
  }
}

function ignore(): void {}
