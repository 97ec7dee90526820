/**
 * The client WebSocket: `session.wsConnect()` and `ClientWebSocketResponse`
 * (aiohttp's names), on the `ws` package and the shared message layer.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { Future } from '../core/future.js';
import { listenWhilePending } from '../core/listen-while-pending.js';
import { suspend } from '../core/suspend.js';
import { describe, toInt, toSignal } from '../core/validate.js';
import { WebSocketBase, type WebSocketOptions } from '../ws/websocket.js';
import { ClientConnectionResetError, ConnectionTimeoutError, ServerTimeoutError, WSServerHandshakeError } from './errors.js';
import { mapError } from './map-error.js';
import type { HeadersInput } from './request-options.js';
import type { ClientTimeout } from './timeout.js';
import type { BasicAuth } from './auth.js';
import type { TCPConnector } from './connector.js';
import type { ProxyChoice } from './proxy.js';
import { wsTunnel } from './ws-proxy.js';
import { checkOptions, knownOptions } from '../core/options.js';

const WS_CONNECT_OPTIONS = knownOptions(
  'autoping', 'autoclose', 'heartbeat', 'receiveTimeout', 'closeTimeout', 'protocols', 'headers', 'maxMsgSize', 'compress', 'origin', 'signal',
  // authentication, proxies (issue 14)
  'auth', 'proxy', 'proxyAuth',
);

/** Options of `session.wsConnect()`. */
export interface WSConnectOptions extends WebSocketOptions {
  /** Subprotocols offered, in order of preference. */
  readonly protocols?: readonly string[];
  /** Extra handshake headers. */
  readonly headers?: HeadersInput;
  /** Largest message accepted, bytes (0: no limit). @default 4194304 (4 MiB, as aiohttp) */
  readonly maxMsgSize?: number;
  /** Offer permessage-deflate. @default true */
  readonly compress?: boolean;
  /** The `Origin` header. */
  readonly origin?: string;
  /** Aborts the handshake. */
  readonly signal?: AbortSignal | undefined;
  /** Basic credentials for the handshake (else the session's, or those in the URL). @default null */
  readonly auth?: BasicAuth | null;
  /** An HTTP proxy (`http://[user:pass@]host:port`), reached with a `CONNECT` tunnel for `ws:` and `wss:` alike. @default the session's */
  readonly proxy?: string | URL | null;
  /** Credentials for the proxy (a `BasicAuth`). @default the session's */
  readonly proxyAuth?: BasicAuth | null;
}

/** @internal Where the handshake goes: straight, or through a proxy on the session's connector. */
export interface WSRoute {
  readonly connector: TCPConnector;
  readonly proxy: ProxyChoice | null;
}

/**
 * A client WebSocket, with the same API as the server's `WebSocketResponse`.
 * @example
 * await using ws = await session.wsConnect('ws://127.0.0.1:8080/echo');
 * await ws.sendJson({ hello: 1 });
 * console.log(await ws.receiveJson());
 */
export class ClientWebSocketResponse extends WebSocketBase {
  /** @internal */
  constructor(options: WebSocketOptions) {
    super(options, 'ClientSession.wsConnect()');
  }

  /** @internal */
  _connected(ws: WebSocket): this {
    this._attach(ws);
    return this;
  }

  protected override _heartbeatError(seconds: number): Error {
    return new ServerTimeoutError(`No PONG received after ${seconds} seconds`);
  }

  protected override _connectionResetError(message: string, options?: ErrorOptions): Error {
    return new ClientConnectionResetError(message, options);
  }
}

/** @internal Checks the options `session.wsConnect()` reads itself. */
export function checkWsOptions(options: WSConnectOptions): void {
  checkOptions('ClientSession.wsConnect()', options, WS_CONNECT_OPTIONS);
}

/** @internal */
export async function wsConnect(url: URL, headers: Record<string, string>, options: WSConnectOptions, timeout: ClientTimeout, route: WSRoute): Promise<ClientWebSocketResponse> {
  const W = 'ClientSession.wsConnect()';
  const protocols = options.protocols ?? [];
  if (!Array.isArray(protocols) || protocols.some((p) => typeof p !== 'string')) throw new TypeError(`${W}: protocols must be an array of strings, got ${describe(protocols)}`);
  const maxPayload = toInt(W, 'maxMsgSize', options.maxMsgSize ?? 4 * 1024 * 1024, 0);
  const signal = toSignal(W, options.signal);
  signal?.throwIfAborted();
  const autoping = options.autoping ?? true;
  // Made first so that its options are checked before any socket is opened.
  const resp = new ClientWebSocketResponse(options);
  const connectMs = timeout.connect ?? timeout.sockConnect ?? timeout.total;
  const tunnel = route.proxy === null ? null : await wsTunnel(route.connector, route.proxy, url, connectMs, signal);
  const ws = new WebSocket(url, protocols, {
    headers,
    autoPong: autoping,
    maxPayload: maxPayload === 0 ? 2 ** 53 - 1 : maxPayload,
    perMessageDeflate: options.compress ?? true,
    ...(connectMs === null ? {} : { handshakeTimeout: Math.ceil(connectMs * 1000) }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(tunnel === null ? {} : { createConnection: () => tunnel }),
  });
  // Listening from the start: a frame right after the handshake is not lost.
  resp._connected(ws);
  const fut = new Future<void>();
  const host = url.hostname;
  const port = url.port === '' ? (url.protocol === 'wss:' ? 443 : 80) : Number(url.port);
  // Listening only while the handshake is awaited: the three go when it
  // settles, whichever way (open, failure, cancellation, timeout).
  listenWhilePending(fut, ws)
    .on('open', () => {
      if (!fut.done()) fut.setResult();
    })
    .on('error', (err: Error) => {
      if (fut.done()) return;
      if (/timed out/i.test(err.message)) fut.setException(new ConnectionTimeoutError(`WebSocket handshake with ${host}:${port} timed out`, 'connect', { cause: err }));
      else fut.setException(mapError(err, host, port, false));
    })
    .on('unexpected-response', (_req: unknown, res: IncomingMessage) => {
      res.resume();
      const info = { url, method: 'GET', headers, realUrl: url };
      if (!fut.done()) fut.setException(new WSServerHandshakeError(info, 'Invalid response status', { status: res.statusCode ?? 0, headers: res.headers as Record<string, string | string[]> }));
      ws.terminate();
    });
  try {
    await suspend(fut, signal);
  } catch (e) {
    ws.removeAllListeners('open');
    if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    ws.on('error', noop);
    throw e;
  }
  return resp;
}

function noop(): void {}
