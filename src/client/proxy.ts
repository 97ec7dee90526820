/**
 * Requests through an HTTP proxy, as aiohttp sends them: an `http:` target
 * in absolute form (`GET http://host/path`) on the connector's own pool, an
 * `https:` target through a `CONNECT` tunnel on undici's `ProxyAgent` (one
 * per proxy, kept by the session and closed with it).
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { Pool, ProxyAgent, type buildConnector, type Dispatcher } from 'undici';
import { describe } from '../core/validate.js';
import { BasicAuth } from './auth.js';
import type { TCPConnector } from './connector.js';
import { ClientConnectorError, ClientHttpProxyError, ClientProxyConnectionError, NonHttpUrlClientError } from './errors.js';

/** @internal The proxy of one request, checked. */
export interface ProxyChoice {
  /** Without credentials. */
  readonly url: URL;
  /** The `Proxy-Authorization` value, if any. */
  readonly authorization: string | undefined;
}

const PROXY_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:']);

/** @internal Check `proxy`/`proxyAuth`; credentials in the URL are used when `proxyAuth` is not given (as aiohttp). */
export function toProxy(where: string, proxy: unknown, proxyAuth: unknown): ProxyChoice | null {
  if (proxy === undefined || proxy === null) {
    if (proxyAuth !== undefined && proxyAuth !== null) toAuthorization(where, proxyAuth);
    return null;
  }
  let url: URL;
  if (proxy instanceof URL) {
    url = new URL(proxy.href);
  } else if (typeof proxy === 'string') {
    try {
      url = new URL(proxy);
    } catch (e) {
      throw new NonHttpUrlClientError(proxy, 'the proxy is not an absolute URL', { cause: e });
    }
  } else {
    throw new TypeError(`${where}: proxy must be a string or a URL, got ${describe(proxy)}`);
  }
  if (!PROXY_SCHEMES.has(url.protocol)) throw new NonHttpUrlClientError(url.href, `proxy scheme ${url.protocol} is not supported (http:, https:)`);
  if (url.hostname === '') throw new NonHttpUrlClientError(url.href, 'the proxy URL has no host');
  let authorization = proxyAuth === undefined || proxyAuth === null ? undefined : toAuthorization(where, proxyAuth);
  if (url.username !== '' || url.password !== '') {
    if (authorization === undefined) authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`, 'latin1').toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url, authorization };
}

// As aiohttp: "proxy_auth must be None or BasicAuth() tuple".
function toAuthorization(where: string, auth: unknown): string {
  if (!(auth instanceof BasicAuth)) throw new TypeError(`${where}: proxyAuth must be a BasicAuth or null, got ${describe(auth)}`);
  return auth.encode();
}

/** @internal The port of a proxy URL. */
export function proxyPort(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/** @internal A connect failure to the proxy itself (aiohttp's `ClientProxyConnectionError`), from a mapped error. */
export function asProxyError(mapped: unknown, proxy: URL): unknown {
  if (!(mapped instanceof ClientConnectorError) || mapped.constructor !== ClientConnectorError) return mapped;
  const why = mapped.message.slice(mapped.message.indexOf(': ') + 2);
  return new ClientProxyConnectionError(proxy.hostname, proxyPort(proxy), why, { cause: mapped.cause, osCode: mapped.osCode ?? undefined });
}

/** @internal The tunnels of one session, one `ProxyAgent` per proxy, credentials and TLS check. */
export class ProxyAgents {
  readonly #connector: TCPConnector;
  readonly #agents = new Map<string, ProxyAgent>();

  constructor(connector: TCPConnector) {
    this.#connector = connector;
  }

  /** The dispatcher that tunnels to `https:` targets through `proxy`. */
  tunnel(proxy: ProxyChoice, verify: boolean): Dispatcher {
    const key = `${verify ? 1 : 0} ${proxy.url.href} ${proxy.authorization ?? ''}`;
    let agent = this.#agents.get(key);
    if (agent === undefined) {
      agent = this.#make(proxy, verify);
      this.#agents.set(key, agent);
    }
    return agent;
  }

  #make(proxy: ProxyChoice, verify: boolean): ProxyAgent {
    const connector = this.#connector;
    // The connection to the proxy is dialled by the connector (its resolver,
    // its socket tracking), with the connector's own TLS checks for an https proxy.
    const connect = connector._connect(connector._tls(true));
    return new ProxyAgent({
      ...connector._poolOptions(),
      uri: proxy.url.href,
      ...(proxy.authorization === undefined ? {} : { token: proxy.authorization }),
      requestTls: connector._tls(verify) as buildConnector.BuildOptions,
      clientFactory: (origin, _opts) => refusingPool(origin, connect, proxy.url),
    });
  }

  /** Close every tunnel. */
  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((a) => a.destroy()));
  }
}

// undici turns a refused CONNECT into a bare "Proxy response (407) !== 200";
// aiohttp raises ClientHttpProxyError with the status and headers: the pool
// that talks to the proxy checks the answer first.
function refusingPool(origin: string | URL, connect: NonNullable<Pool.Options['connect']>, proxy: URL): Pool {
  const pool = new Pool(origin, { connect });
  const ask: (o: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData> = Pool.prototype.connect.bind(pool);
  const checked = async (o: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData> => checkTunnel(await ask(o), proxy, String(o.path));
  Object.defineProperty(pool, 'connect', { value: checked });
  return pool;
}

/** @internal The proxy's answer to `CONNECT authority`: passed on when 200, else the socket goes and a `ClientHttpProxyError` says why. */
export function checkTunnel(data: Dispatcher.ConnectData, proxy: URL, authority: string): Dispatcher.ConnectData {
  if (data.statusCode === 200) return data;
  data.socket.on('error', () => {}).destroy();
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(data.headers)) if (v !== undefined) headers[k] = v;
  const requestInfo = { url: proxy, method: 'CONNECT', headers: { host: authority }, realUrl: proxy };
  throw new ClientHttpProxyError(requestInfo, STATUS_CODES[data.statusCode] ?? 'Proxy refused the tunnel', { status: data.statusCode, headers });
}
