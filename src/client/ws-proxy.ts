/**
 * The tunnel of a WebSocket through an HTTP proxy: `CONNECT host:port` on
 * the connector's own pool to the proxy (undici's `connect()`), then TLS
 * over the tunnel for `wss:`. The `ws` package is handed the socket.
 * @module
 */
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import { Future } from '../core/future.js';
import { suspend } from '../core/suspend.js';
import type { TCPConnector } from './connector.js';
import { ConnectionTimeoutError } from './errors.js';
import { mapError } from './map-error.js';
import { asProxyError, checkTunnel, proxyPort, type ProxyChoice } from './proxy.js';

/** @internal A socket to `url`'s host through `proxy`, TLS on it for `wss:`; `connectMs` bounds the CONNECT (null: no bound). */
export async function wsTunnel(connector: TCPConnector, proxy: ProxyChoice, url: URL, connectMs: number | null, signal: AbortSignal | undefined): Promise<Duplex> {
  const secure = url.protocol === 'wss:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  // URL.host keeps the brackets of an IPv6 literal, as CONNECT wants them.
  const authority = `${url.hostname}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.authorization !== undefined) headers['proxy-authorization'] = proxy.authorization;
  const fut = new Future<Duplex>();
  const abort = new AbortController();
  const timer = connectMs === null
    ? undefined
    : setTimeout(() => {
        if (!fut.done()) fut.setException(new ConnectionTimeoutError(`Connection timeout to ${authority} through the proxy ${proxy.url.host}`, 'connect'));
        abort.abort();
      }, Math.ceil(connectMs * 1000));
  connector._dispatcher(true).connect({ origin: proxy.url.origin, path: authority, headers, signal: abort.signal }).then(
    (data) => {
      let socket: Duplex;
      try {
        socket = checkTunnel(data, proxy.url, authority).socket;
      } catch (e) {
        if (!fut.done()) fut.setException(e);
        return;
      }
      // Cancelled or timed out meanwhile: nobody takes the tunnel.
      if (fut.done()) socket.on('error', noop).destroy();
      else fut.setResult(socket);
    },
    (err: unknown) => {
      if (!fut.done()) fut.setException(asProxyError(mapError(err, proxy.url.hostname, proxyPort(proxy.url), false), proxy.url));
    },
  );
  let raw: Duplex;
  try {
    raw = await suspend(fut, signal);
  } catch (e) {
    abort.abort();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (!secure) return raw;
  const tls = connector._tls(true);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return tlsConnect({ ...tls, socket: raw, ALPNProtocols: ['http/1.1'], ...(isIP(host) === 0 ? { servername: host } : {}) });
}

function noop(): void {}
