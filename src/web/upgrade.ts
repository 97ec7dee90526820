/**
 * Requests that arrive through Node's `'upgrade'` event (they carry
 * `Connection: upgrade` and an `Upgrade` header). Node hands over the raw
 * socket; a `ServerResponse` is made for it so that the request takes the
 * same path as any other (router, middlewares, handler task, access log).
 * A route that does not do WebSockets answers as usual and the connection
 * then closes; `WebSocketResponse.prepare()` hands the socket to `ws`.
 * @module
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { responseOf } from './connections.js';
import type { Request } from './request.js';
import type { WebSocketResponse } from './websocket-response.js';

/** What the server keeps for an upgrade request. @internal */
export interface UpgradeState {
  /** The connection, still the HTTP response's until `handOver()`. */
  readonly socket: Duplex;
  /** Bytes the client sent past the request's headers, and since (until handed over). */
  readonly early: Buffer[];
  /** Reads the socket until the hand-over (see upgradeResponse). */
  readonly reader: EarlyReader;
  /** The server, which tracks open WebSockets for its shutdown. */
  readonly owner: WebSocketOwner;
  /** False: once the socket was given away, the response carries {@link HANDED_OVER} instead. */
  readonly handedOver: false;
}

/**
 * What an upgrade response carries once its socket went to `ws`: the state
 * (the reader and its listeners, the early bytes) is let go, as the
 * response lives as long as the WebSocket.
 * @internal
 */
export const HANDED_OVER = Object.freeze({ handedOver: true as const });

/** The server side of a WebSocket's life: told when one opens and when its handler ends. @internal */
export interface WebSocketOwner {
  /** `request`'s handler opened a WebSocket on `socket`. */
  _adopt(ws: WebSocketResponse, socket: Duplex, request: Request): void;
}

const kUpgrade = Symbol('aiots.upgrade');

/**
 * True for the one upgrade aiots performs: a WebSocket handshake, which has
 * no body. Any other upgrade request (`Upgrade: h2c`, or a handshake that
 * carries a body) is served as a plain HTTP/1.1 request, its `Upgrade`
 * header ignored as RFC 9110 §7.8 allows (aiohttp does the same: it only
 * upgrades to websocket), and the connection closes after its answer
 * (see {@link declineUpgrade}).
 * @internal
 */
export function wantsWebSocket(req: IncomingMessage): boolean {
  const h = req.headers;
  const length = h['content-length'];
  return h.upgrade?.trim().toLowerCase() === 'websocket' && h['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/**
 * The server option `shouldUpgradeCallback` (Node 24.9+ and 26; older Nodes
 * ignore it and send every upgrade request to 'upgrade', see
 * {@link upgradeListener}). Node calls it as a method of the server. Only
 * WebSocket handshakes upgrade; Node parses the others, body and all, as
 * plain requests.
 * @internal
 */
export function shouldUpgrade(this: EventEmitter, req: IncomingMessage): boolean {
  if (wantsWebSocket(req)) return true;
  declineUpgrade(this, req);
  return false;
}

/**
 * Close the connection after the answer to `req`, a declined upgrade request.
 * Node (24, 26) drops the bytes that came in the same read behind a declined
 * upgrade request (its parser stops at the end of such a message): a request
 * pipelined behind it would never be answered, and its client would wait
 * forever. `Connection: close` tells it to send that again on a new
 * connection, as any client of a closing HTTP/1.1 server must. Node emits
 * the request's 'request' event right after this callback returns, in the
 * same tick; a request it answers itself (no Host: 400) leaves the listener
 * to the next request, which it lets be.
 */
function declineUpgrade(server: EventEmitter, req: IncomingMessage): void {
  const listener = (r: IncomingMessage, res: ServerResponse): void => {
    server.off('request', listener);
    if (r === req) res.shouldKeepAlive = false;
  };
  server.prependListener('request', listener);
}

/**
 * The same for a request re-parsed on Node 20 (see {@link reparse}): the
 * first request the new parser reads from `socket` is the one.
 */
function closeAfterFirst(server: EventEmitter, socket: Duplex): void {
  const listener = (r: IncomingMessage, res: ServerResponse): void => {
    if (r.socket !== socket) return;
    forget();
    res.shouldKeepAlive = false;
  };
  const forget = (): void => {
    server.off('request', listener);
    socket.off('close', forget);
  };
  server.prependListener('request', listener);
  socket.once('close', forget);
}

/**
 * The 'upgrade' listener of one server: WebSocket handshakes go to
 * `handler`; on a Node without `shouldUpgradeCallback` (20), other upgrade
 * requests come here too and go back to the HTTP parser. Either waits
 * for the responses still owed on the connection (pipelined requests before
 * this one): they own the socket until they are sent.
 * @internal
 */
export function upgradeListener(server: EventEmitter, handler: { handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void }, secure: boolean) {
  const serve = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (socket.destroyed) return;
    const busy = responseOf(socket as Socket);
    if (busy !== null) {
      let moved = false;
      const next = (): void => {
        if (moved) return;
        moved = true;
        busy.off('finish', next);
        busy.off('close', next);
        serve(req, socket, head);
      };
      busy.on('finish', next);
      busy.on('close', next);
      return;
    }
    if (wantsWebSocket(req)) handler.handleUpgrade(req, socket, head);
    else reparse(server, req, socket, head, secure);
  };
  return serve;
}

/**
 * Hand a request Node 20 treated as an upgrade back to its HTTP parser, as
 * if it had just arrived without the `upgrade` token of its `Connection`
 * header (which is what made it an upgrade): the request, body and all, is
 * served as any other, `Upgrade` header included, and the connection closes
 * after it, as on the Nodes where {@link shouldUpgrade} declines it (not by
 * `Connection: close` in the request: Node's parser then refuses what is
 * pipelined behind it with a 400, before the answer). Node documents
 * emitting 'connection' to inject a socket; a TLS server's HTTP side listens
 * to 'secureConnection'.
 */
function reparse(server: EventEmitter, req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
  const raw = req.rawHeaders;
  let text = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    let value = raw[i + 1] as string;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      value = value.split(',').filter((token) => token.trim().toLowerCase() !== 'upgrade').join(',').trim();
      if (value === '') continue;
    }
    text += `${name}: ${value}\r\n`;
  }
  // Node read the header bytes as latin1: written back the same way, they are the bytes received.
  const bytes = Buffer.from(`${text}\r\n`, 'latin1');
  socket.unshift(head.length === 0 ? bytes : Buffer.concat([bytes, head]));
  closeAfterFirst(server, socket);
  server.emit(secure ? 'secureConnection' : 'connection', socket);
}

type Tagged = ServerResponse & { [kUpgrade]?: UpgradeState | typeof HANDED_OVER };

function ignore(): void {}

/**
 * The response of an upgrade request: keep-alive off, and the connection
 * closed once the answer is sent (nothing may follow an unanswered upgrade).
 * @internal
 */
export function upgradeResponse(req: IncomingMessage, socket: Duplex, head: Buffer, owner: WebSocketOwner): ServerResponse {
  // Node took its own error listener off the socket when it handed it over:
  // an error (a reset by the peer) must not become an uncaught exception.
  socket.on('error', ignore);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  const early = head.length === 0 ? [] : [head];
  const reader = new EarlyReader(socket, early);
  (res as Tagged)[kUpgrade] = { socket, early, reader, owner, handedOver: false };
  res.on('finish', closeAfterAnswer);
  return res;
}

// One listener function for all upgrade responses (`this` is the response):
// a closure per socket would outlive the hand-over for as long as the WebSocket.
function closeAfterAnswer(this: ServerResponse): void {
  const state = (this as Tagged)[kUpgrade];
  if (state !== undefined && !state.handedOver) (state.socket as Socket).destroySoon();
}

const kResponse = Symbol('aiots.upgradeResponse');
type WithResponse = Duplex & { [kResponse]?: ServerResponse };

// Likewise for the handed-over socket's 'close' (`this` is the socket).
function closeResponse(this: WithResponse): void {
  this[kResponse]?.emit('close');
}

// Past this many early bytes the socket stops being read until the hand-over.
const EARLY_LIMIT = 64 * 1024;

/**
 * Keeps reading the socket while the handler runs before `prepare()`, as
 * Node's parser does for any request: a client that leaves is then seen
 * (its FIN ends our side too, as Node does with `httpAllowHalfOpen` off, and
 * the close cancels the handler under handlerCancellation). What arrives is
 * kept for `ws` (a client may send frames right behind its handshake), up
 * to a limit past which reading stops.
 */
class EarlyReader {
  readonly #socket: Duplex;
  readonly #early: Buffer[];
  #size = 0;
  #paused = false;
  readonly #onData = (d: Buffer): void => {
    this.#early.push(d);
    this.#size += d.length;
    if (this.#size > EARLY_LIMIT && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
  };

  readonly #onEnd = (): void => {
    this.#socket.end();
  };

  constructor(socket: Duplex, early: Buffer[]) {
    this.#socket = socket;
    this.#early = early;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
  }

  /** Stop reading; the next reader must attach in this same tick (nothing is emitted before). */
  stop(): void {
    const socket = this.#socket;
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    if (this.#paused) socket.resume();
  }
}

/** The upgrade state of `res`, or undefined for a request that is not an upgrade. @internal */
export function upgradeOf(res: ServerResponse): UpgradeState | typeof HANDED_OVER | undefined {
  return (res as Tagged)[kUpgrade];
}

/**
 * Take the socket from the HTTP response, to give it to `ws` (at once, in
 * the same tick) with the bytes read past the headers (returned). The response
 * still says 'close' when the connection closes, so that what listens to it
 * (handlerCancellation, `request.signal`) hears of a peer that went away.
 * @internal
 */
export function handOver(res: ServerResponse, state: UpgradeState): Buffer {
  (res as Tagged)[kUpgrade] = HANDED_OVER;
  state.reader.stop();
  const head = state.early.length === 1 ? (state.early[0] as Buffer) : Buffer.concat(state.early);
  state.early.length = 0;
  res.detachSocket(state.socket as Socket);
  // The answer is never sent now: the 'finish' listener has nothing left to do.
  res.off('finish', closeAfterAnswer);
  // 'close' comes once per socket: `on` spares the wrapper `once` makes.
  (state.socket as WithResponse)[kResponse] = res;
  state.socket.on('close', closeResponse);
  return head;
}
