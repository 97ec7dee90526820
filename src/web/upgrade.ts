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
  /** Set once the socket was given away. */
  handedOver: boolean;
}

/** The server side of a WebSocket's life: told when one opens and when its handler ends. @internal */
export interface WebSocketOwner {
  /** `request`'s handler opened a WebSocket on `socket`. */
  _adopt(ws: WebSocketResponse, socket: Duplex, request: Request): void;
}

const kUpgrade = Symbol('aiots.upgrade');

/**
 * True for the one upgrade aiots performs: a WebSocket handshake, which has
 * no body. Node sends every request with `Connection: upgrade` to the
 * 'upgrade' event once anyone listens to it (Node 20 cannot be told which),
 * body unread; the others go back to the HTTP parser with {@link reparse}.
 * @internal
 */
export function wantsWebSocket(req: IncomingMessage): boolean {
  const h = req.headers;
  const length = h['content-length'];
  return h.upgrade?.trim().toLowerCase() === 'websocket' && h['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/**
 * The 'upgrade' listener of one server: WebSocket handshakes go to
 * `handler`, other upgrade requests back to the HTTP parser. Either waits
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
 * Hand a request Node treated as an upgrade back to its HTTP parser, as if
 * it had just arrived without its `Upgrade` header (which is what made it an
 * upgrade): the server then ignores the upgrade, as RFC 9110 §7.8 allows,
 * and the request, body and all, is served as any other. Node documents
 * emitting 'connection' to inject a socket; a TLS server's HTTP side listens
 * to 'secureConnection'.
 * @internal
 */
function reparse(server: EventEmitter, req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
  const raw = req.rawHeaders;
  let text = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== 7 || name.toLowerCase() !== 'upgrade') text += `${name}: ${raw[i + 1] as string}\r\n`;
  }
  // Node read the header bytes as latin1: written back the same way, they are the bytes received.
  const bytes = Buffer.from(`${text}\r\n`, 'latin1');
  socket.unshift(head.length === 0 ? bytes : Buffer.concat([bytes, head]));
  server.emit(secure ? 'secureConnection' : 'connection', socket);
}
type Tagged = ServerResponse & { [kUpgrade]?: UpgradeState };

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
  res.once('finish', () => {
    if (!(res as Tagged)[kUpgrade]?.handedOver) (socket as Socket).destroySoon();
  });
  return res;
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
export function upgradeOf(res: ServerResponse): UpgradeState | undefined {
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
  state.handedOver = true;
  state.reader.stop();
  const head = state.early.length === 1 ? (state.early[0] as Buffer) : Buffer.concat(state.early);
  state.early.length = 0;
  res.detachSocket(state.socket as Socket);
  state.socket.once('close', () => res.emit('close'));
  return head;
}
