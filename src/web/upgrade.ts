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
import type { Duplex } from 'node:stream';
import type { Request } from './request.js';
import type { WebSocketResponse } from './websocket-response.js';

/** What the server keeps for an upgrade request. @internal */
export interface UpgradeState {
  /** The connection, still the HTTP response's until `handOver()`. */
  readonly socket: Duplex;
  /** Bytes the client sent past the request's headers. */
  readonly head: Buffer;
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
  (res as Tagged)[kUpgrade] = { socket, head, owner, handedOver: false };
  res.once('finish', () => {
    if (!(res as Tagged)[kUpgrade]?.handedOver) (socket as Socket).destroySoon();
  });
  return res;
}

/** The upgrade state of `res`, or undefined for a request that is not an upgrade. @internal */
export function upgradeOf(res: ServerResponse): UpgradeState | undefined {
  return (res as Tagged)[kUpgrade];
}

/**
 * Take the socket from the HTTP response, to give it to `ws`. The response
 * still says 'close' when the connection closes, so that what listens to it
 * (handlerCancellation, `request.signal`) hears of a peer that went away.
 * @internal
 */
export function handOver(res: ServerResponse, state: UpgradeState): void {
  state.handedOver = true;
  res.detachSocket(state.socket as Socket);
  state.socket.once('close', () => res.emit('close'));
}
