/**
 * `ClientSession`, as aiohttp's: a pool of connections, default headers,
 * a cookie jar and time limits shared by many requests.
 * @module
 */
import { channel } from 'node:diagnostics_channel';
import type { Dispatcher } from 'undici';
import { InvalidStateError } from '../core/errors.js';
import { BasicAuth, requestAuth, toAuth } from './auth.js';
import { ClientRequest } from './client-request.js';
import { buildChain, toMiddlewares, type ClientMiddleware, type ClientMiddlewareFunction } from './middlewares.js';
import { toCharsetResolver, type CharsetResolver } from './charset.js';
import { resumed, suspend } from '../core/suspend.js';
import { describe, toInt, toSignal } from '../core/validate.js';
import { encodeBody, type EncodedBody } from './body.js';
import { CookieJar } from './cookie-jar.js';
import { cookiePair } from './cookie-quote.js';
import { ClientPayloadError, TooManyRedirects } from './errors.js';
import { RequestHandler, type HandlerSetup } from './handler.js';
import { isRedirect, nextHop, type NextHop } from './redirects.js';
import {
  addHeader, buildUrl, readHeaders, toBool, toMaxSize, toMethod, toRaise, toTimeout, type HeadersInput, type RaiseForStatus,
  type RequestOptions,
} from './request-options.js';
import type { RequestInfo } from './request-info.js';
import { ClientResponse } from './response.js';
import { DEFAULT_TIMEOUT, type ClientTimeout, type ClientTimeoutOptions } from './timeout.js';
import { TCPConnector } from './connector.js';
import { notifyAll, RequestTrace, TraceConfig } from './trace.js';
import { netrcAuthorization, netrcFromEnv, type Netrc } from './netrc.js';
import { ProxyAgents, toProxy, type ProxyChoice } from './proxy.js';
import { proxyFromEnv } from './proxy-env.js';
import { checkWsOptions, wsConnect, type WSConnectOptions, type ClientWebSocketResponse } from './ws.js';
import { checkOptions, knownOptions } from '../core/options.js';

/** @internal The names of {@link ClientSessionOptions}. */
export const SESSION_OPTION_NAMES = [
  'baseUrl', 'headers', 'cookieJar', 'timeout', 'connector', 'connectorOwner', 'raiseForStatus', 'autoDecompress', 'traceConfigs', 'maxResponseSize',
  'proxy', 'proxyAuth', 'trustEnv', 'readBufsize', 'maxLineSize', 'maxFieldSize',
  // authentication, middlewares (issue 14)
  'auth', 'middlewares', 'fallbackCharsetResolver',
] as const;
const SESSION_OPTIONS = knownOptions(...SESSION_OPTION_NAMES);
// aiohttp's names whose aiots name is not their camelCase.
/** @internal */
export const SESSION_ALIASES = { conn_timeout: 'timeout', read_timeout: 'timeout', connTimeout: 'timeout', readTimeout: 'timeout' };
const REQUEST_OPTIONS = knownOptions(
  'params', 'data', 'json', 'headers', 'cookies', 'allowRedirects', 'maxRedirects', 'allowInsecureRedirects', 'timeout', 'ssl', 'signal',
  'raiseForStatus', 'maxResponseSize', 'traceRequestCtx', 'proxy', 'proxyAuth', 'readBufsize', 'maxLineSize', 'maxFieldSize',
  // authentication, middlewares (issue 14)
  'auth', 'middlewares',
);
const REQUEST_ALIASES = { ssl_context: 'ssl', sslContext: 'ssl', verify_ssl: 'ssl', verifySsl: 'ssl' };

/** Options of {@link ClientSession}. */
export interface ClientSessionOptions {
  /** Relative request URLs are resolved against it. */
  readonly baseUrl?: string | URL;
  /** Headers sent with every request. */
  readonly headers?: HeadersInput;
  /** Where cookies are kept. @default a new `CookieJar()` */
  readonly cookieJar?: CookieJar;
  /** Default time limits. @default new ClientTimeout({ total: 300 }) */
  readonly timeout?: ClientTimeout | ClientTimeoutOptions;
  /** The connection pool. @default a new `TCPConnector()`, closed with the session */
  readonly connector?: TCPConnector;
  /** Close the connector with the session (as aiohttp, also one passed in). @default true */
  readonly connectorOwner?: boolean;
  /** Throw `ClientResponseError` for 4xx/5xx (or call this function with each response). @default false */
  readonly raiseForStatus?: RaiseForStatus;
  /** Decompress gzip, deflate and br bodies (and ask for them). @default true */
  readonly autoDecompress?: boolean;
  /** Tracing hooks. */
  readonly traceConfigs?: readonly TraceConfig<never>[];
  /** Default `maxSize` for `read()`/`text()`/`json()` (null: no limit, as aiohttp). @default null */
  readonly maxResponseSize?: number | null;
  /** An HTTP proxy for every request (`http://[user:pass@]host:port`): absolute-form for http targets, a `CONNECT` tunnel for https. @default null */
  readonly proxy?: string | URL | null;
  /** Credentials for the proxy (a `BasicAuth`). @default null */
  readonly proxyAuth?: BasicAuth | null;
  /** The response body reader's limit in bytes: it buffers up to twice this before pausing the socket (aiohttp's `read_bufsize`). @default 65536 */
  readonly readBufsize?: number;
  /** Longest response status line accepted, in bytes (0: no check). @default 8190 */
  readonly maxLineSize?: number;
  /** Longest response header name or value accepted, in bytes (0: no check). @default 8190 */
  readonly maxFieldSize?: number;
  /** Read `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` when no proxy is given, and credentials from `~/.netrc` (or `NETRC`) for the proxy and for requests without auth, as aiohttp. @default false */
  readonly trustEnv?: boolean;
  /** Credentials sent with every request that has none of its own (dropped on a redirect to another origin). */
  readonly auth?: BasicAuth | null;
  /** Client middlewares around every request, the first outermost. */
  readonly middlewares?: readonly ClientMiddleware[];
  /** The encoding of a text body whose content type names none (aiohttp's `fallback_charset_resolver`). @default () => 'utf-8' */
  readonly fallbackCharsetResolver?: CharsetResolver;
}

const HTTP_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:']);
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const USER_AGENT = 'aiots/0.1 (undici)';

/** Published before each request is sent (each redirect hop too): `{ session, method, url, headers }`. */
const requestChannel = channel('aiots:client:request');

/** The session's limits on a response head and its body reader, or a request's own. */
interface HeadLimits {
  readonly _readBufsize: number;
  readonly _maxLineSize: number;
  readonly _maxFieldSize: number;
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  userCookie: string | undefined;
  body: EncodedBody;
}

/**
 * Many requests sharing a connection pool, headers, cookies and timeouts.
 * Make one per application (not per request) and close it at the end.
 * A request made inside a task is aborted on the wire when the task is
 * cancelled, so `waitFor(() => session.get(url), 5)` really stops it.
 * @example
 * await using session = new ClientSession();
 * await using resp = await session.get('http://127.0.0.1:8080/hello/x');
 * console.log(resp.status, await resp.text());
 */
export class ClientSession implements AsyncDisposable {
  readonly #base: URL | null;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #jar: CookieJar;
  readonly #timeout: ClientTimeout;
  readonly #connector: TCPConnector;
  readonly #ownsConnector: boolean;
  readonly #raise: RaiseForStatus;
  readonly #decompress: boolean;
  readonly #traces: readonly TraceConfig<never>[] | null;
  readonly #maxSize: number | null;
  readonly #proxyRaw: unknown;
  readonly #proxyAuthRaw: unknown;
  readonly #proxy: ProxyChoice | null;
  readonly #trustEnv: boolean;
  readonly #readBufsize: number;
  readonly #maxLineSize: number;
  readonly #maxFieldSize: number;
  #netrc: Netrc | null | undefined = undefined;
  #proxies: ProxyAgents | undefined = undefined;
  readonly #auth: BasicAuth | null;
  readonly #middlewares: readonly ClientMiddlewareFunction[] | null;
  readonly #charset: CharsetResolver | null;
  #closed = false;
  readonly #websockets = new Set<ClientWebSocketResponse>();

  /** A session; see {@link ClientSessionOptions}. */
  constructor(options: ClientSessionOptions = {}) {
    const W = 'ClientSession()';
    checkOptions(W, options, SESSION_OPTIONS, SESSION_ALIASES);
    if (options.baseUrl !== undefined) {
      this.#base = buildUrl(W, options.baseUrl, null, undefined, HTTP_SCHEMES);
    } else {
      this.#base = null;
    }
    this.#decompress = toBool(W, 'autoDecompress', options.autoDecompress, true);
    const headers: Record<string, string> = { accept: '*/*' };
    if (this.#decompress) headers['accept-encoding'] = 'gzip, deflate, br';
    headers['user-agent'] = USER_AGENT;
    readHeaders(W, options.headers, headers);
    this.#headers = Object.freeze(headers);
    const jar = options.cookieJar ?? new CookieJar();
    if (!(jar instanceof CookieJar)) throw new TypeError(`${W}: cookieJar must be a CookieJar, got ${describe(jar)}`);
    this.#jar = jar;
    this.#timeout = toTimeout(W, options.timeout, DEFAULT_TIMEOUT);
    const connector = options.connector ?? new TCPConnector();
    if (!(connector instanceof TCPConnector)) throw new TypeError(`${W}: connector must be a TCPConnector, got ${describe(connector)}`);
    if (connector.closed) throw new InvalidStateError(`${W}: the connector is closed`);
    this.#connector = connector;
    this.#ownsConnector = toBool(W, 'connectorOwner', options.connectorOwner, true);
    this.#readBufsize = options.readBufsize === undefined ? 65536 : toInt(W, 'readBufsize', options.readBufsize, 1);
    this.#maxLineSize = options.maxLineSize === undefined ? 8190 : toInt(W, 'maxLineSize', options.maxLineSize, 0);
    this.#maxFieldSize = options.maxFieldSize === undefined ? 8190 : toInt(W, 'maxFieldSize', options.maxFieldSize, 0);
    // undici caps the whole header block (16 KiB by default): room for the limits set here.
    const block = this.#maxFieldSize === 0 || this.#maxLineSize === 0 ? 1 << 20 : 2 * (this.#maxLineSize + this.#maxFieldSize);
    connector._configure(this.#timeout.sockConnect, block > 16384 ? block : 0);
    this.#raise = toRaise(W, options.raiseForStatus, false);
    const traces: unknown = options.traceConfigs;
    if (traces !== undefined && (!Array.isArray(traces) || !traces.every((c) => c instanceof TraceConfig))) throw new TypeError(`${W}: traceConfigs must be an array of TraceConfig, got ${describe(traces)}`);
    this.#traces = traces === undefined || traces.length === 0 ? null : [...(traces)];
    if (this.#traces !== null) {
      const cfg = this.#traces;
      connector._observer = {
        onCreateStart: (host, port) => notifyAll(this, cfg, 'onConnectionCreateStart', { host, port }),
        onCreateEnd: (host, port) => notifyAll(this, cfg, 'onConnectionCreateEnd', { host, port }),
      };
    }
    this.#maxSize = toMaxSize(W, options.maxResponseSize, null);
    this.#proxyRaw = options.proxy;
    this.#proxyAuthRaw = options.proxyAuth;
    this.#proxy = toProxy(W, options.proxy, options.proxyAuth);
    this.#trustEnv = toBool(W, 'trustEnv', options.trustEnv, false);
    this.#auth = toAuth(W, options.auth);
    this.#middlewares = toMiddlewares(W, options.middlewares);
    this.#charset = toCharsetResolver(W, options.fallbackCharsetResolver);
  }

  /** The default credentials, or null. */
  get auth(): BasicAuth | null {
    return this.#auth;
  }

  /** @internal */
  get _readBufsize(): number {
    return this.#readBufsize;
  }

  /** @internal */
  get _maxLineSize(): number {
    return this.#maxLineSize;
  }

  /** @internal */
  get _maxFieldSize(): number {
    return this.#maxFieldSize;
  }

  /** True when the session reads proxies and netrc credentials from the environment. */
  get trustEnv(): boolean {
    return this.#trustEnv;
  }

  // Read once per session, at first use (aiohttp reads it per request).
  #netrcOf(): Netrc | null {
    if (this.#netrc === undefined) this.#netrc = netrcFromEnv();
    return this.#netrc;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The session's cookie jar. */
  get cookieJar(): CookieJar {
    return this.#jar;
  }

  /** The session's connector. */
  get connector(): TCPConnector {
    return this.#connector;
  }

  /** The default time limits. */
  get timeout(): ClientTimeout {
    return this.#timeout;
  }

  /** The default headers (lower-case names). */
  get headers(): Readonly<Record<string, string>> {
    return this.#headers;
  }

  /**
   * Send a request; resolves with the response once its headers arrived.
   * Redirects are followed (see {@link RequestOptions}).
   * @example
   * const resp = await session.request('POST', '/items', { json: { name: 'x' } });
   */
  async request(method: string, url: string | URL, options: RequestOptions = {}): Promise<ClientResponse> {
    const W = `ClientSession.request()`;
    if (this.#closed) throw new InvalidStateError(`${W}: the session is closed`);
    method = toMethod(W, method);
    checkOptions(W, options, REQUEST_OPTIONS, REQUEST_ALIASES);
    const u = buildUrl(W, url, this.#base, options.params, HTTP_SCHEMES);
    let headers = this.#headers as Record<string, string>;
    const auth = options.auth === undefined && this.#auth === null && u.username === '' && u.password === '' ? undefined : requestAuth(W, u, toAuth(W, options.auth), this.#auth);
    if (options.headers !== undefined || auth !== undefined) {
      headers = { ...headers };
      readHeaders(W, options.headers, headers);
      if (auth !== undefined) {
        // As aiohttp: an explicit Authorization header and auth would be ambiguous.
        if (headers.authorization !== undefined) throw new TypeError(`${W}: cannot combine an Authorization header with the auth option or credentials in the URL`);
        headers.authorization = auth;
      }
    }
    let userCookie = headers.cookie;
    if (options.cookies !== undefined) {
      const parts: string[] = userCookie === undefined ? [] : [userCookie];
      const cookies: unknown = options.cookies;
      if (typeof cookies !== 'object' || cookies === null) throw new TypeError(`${W}: cookies must be a record of name → value, got ${describe(cookies)}`);
      for (const [k, v] of Object.entries(cookies)) parts.push(cookiePair(W, k, v));
      userCookie = parts.join('; ');
      headers = { ...headers };
      addHeader(W, headers, 'cookie', userCookie);
    }
    const body = encodeBody(W, options.data, options.json, 'json' in options);
    const timeout = toTimeout(W, options.timeout, this.#timeout);
    const signal = toSignal(W, options.signal);
    const allowRedirects = toBool(W, 'allowRedirects', options.allowRedirects, true);
    const maxRedirects = options.maxRedirects === undefined ? 10 : toInt(W, 'maxRedirects', options.maxRedirects, 0);
    const allowInsecure = toBool(W, 'allowInsecureRedirects', options.allowInsecureRedirects, false);
    const verify = toBool(W, 'ssl', options.ssl, true);
    const raise = toRaise(W, options.raiseForStatus, this.#raise);
    const maxSize = toMaxSize(W, options.maxResponseSize, this.#maxSize);
    const limits: HeadLimits = options.readBufsize === undefined && options.maxLineSize === undefined && options.maxFieldSize === undefined
      ? this
      : {
          _readBufsize: options.readBufsize === undefined ? this.#readBufsize : toInt(W, 'readBufsize', options.readBufsize, 1),
          _maxLineSize: options.maxLineSize === undefined ? this.#maxLineSize : toInt(W, 'maxLineSize', options.maxLineSize, 0),
          _maxFieldSize: options.maxFieldSize === undefined ? this.#maxFieldSize : toInt(W, 'maxFieldSize', options.maxFieldSize, 0),
        };
    const proxy = options.proxy === undefined && options.proxyAuth === undefined
      ? this.#proxy
      : toProxy(W, options.proxy ?? this.#proxyRaw, options.proxyAuth ?? this.#proxyAuthRaw);
    if (this.#trustEnv && headers.authorization === undefined) {
      // aiohttp 3.9+: with trust_env, a request without credentials takes the netrc's for its host.
      const fromNetrc = netrcAuthorization(this.#netrcOf(), u.hostname);
      if (fromNetrc !== undefined) headers = { ...headers, authorization: fromNetrc };
    }
    const mws = options.middlewares === undefined ? this.#middlewares : toMiddlewares(W, options.middlewares);
    signal?.throwIfAborted();

    const trace = this.#traces === null ? null : new RequestTrace(this, this.#traces, options.traceRequestCtx);
    // `total` covers the redirects too: later hops get what is left of it.
    const started = timeout.total === null ? 0 : performance.now();
    const hop: Hop = { url: u, method, headers, userCookie, body };
    const history: ClientResponse[] = [];
    let info: RequestInfo | undefined;
    try {
      for (;;) {
        const sent = this.#finalHeaders(hop);
        info = { url: hop.url, method: hop.method, headers: sent, realUrl: hop.url };
        // As aiohttp: one start and one end (or exception) per request, a redirect hook per hop between.
        if (trace !== null && history.length === 0) await trace.send('onRequestStart', { method: hop.method, url: hop.url, headers: sent });
        let resp: ClientResponse;
        if (mws === null) {
          if (requestChannel.hasSubscribers) requestChannel.publish({ session: this, method: hop.method, url: hop.url, headers: sent });
          const total = timeout.total === null || history.length === 0 ? timeout.total : Math.max(0.001, timeout.total - (performance.now() - started) / 1000);
          resp = await this.#exchange(hop, sent, info, timeout, total, signal, verify, maxSize, trace, proxy, limits);
        } else {
          const req = new ClientRequest(this, hop.method, hop.url, sent, hop.body);
          const send = (r: ClientRequest): Promise<ClientResponse> => this.#sendRequest(r, timeout, started, signal, verify, maxSize, trace, proxy, limits);
          resp = await buildChain(send, mws)(req);
          // Redirects go on from what was sent, with the body the middlewares left.
          hop.url = resp.url;
          hop.method = resp.method;
          hop.body = req._encoded;
          info = resp.requestInfo;
        }
        if (this.#charset !== null) resp._setCharsetResolver(this.#charset);
        const setCookie = resp._headerRecord['set-cookie'];
        if (setCookie !== undefined) this.#jar.updateCookies(typeof setCookie === 'string' ? [setCookie] : setCookie, hop.url);
        if (allowRedirects && isRedirect(resp.status)) {
          const loc = resp._headerRecord.location;
          let next: NextHop | null;
          try {
            next = nextHop(resp.status, hop.method, hop.url, typeof loc === 'string' ? loc : undefined, hop.body.replayable, allowInsecure);
          } catch (e) {
            resp.release(); // a refused redirect must not hold its connection until GC
            throw e;
          }
          if (next !== null) {
            resp.release();
            history.push(resp);
            if (history.length > maxRedirects) {
              throw new TooManyRedirects((history[0] as ClientResponse).requestInfo, 'Too many redirects', { status: resp.status, history: [...history], headers: resp._headerRecord });
            }
            if (trace !== null) await trace.send('onRequestRedirect', { method: hop.method, url: hop.url, headers: sent, response: resp });
            this.#follow(hop, next);
            continue;
          }
        }
        if (history.length !== 0) resp._setHistory(history);
        if (raise !== false) {
          try {
            await this.#raiseFor(resp, raise);
          } catch (e) {
            resp.release(); // the caller never gets this response: nobody else can release it
            throw e;
          }
        }
        if (trace !== null) await trace.send('onRequestEnd', { method: hop.method, url: hop.url, headers: sent, response: resp });
        return resp;
      }
    } catch (e) {
      if (trace !== null && info !== undefined) await trace.send('onRequestException', { method: info.method, url: info.url, headers: info.headers, exception: e });
      throw e;
    }
  }

  async #raiseFor(resp: ClientResponse, raise: RaiseForStatus): Promise<void> {
    if (raise === true) resp.raiseForStatus();
    else if (typeof raise === 'function') await raise(resp);
  }

  #follow(hop: Hop, next: NextHop): void {
    let headers = hop.headers;
    if (next.dropBody || next.crossOrigin) {
      headers = { ...headers };
      if (next.dropBody) {
        delete headers['content-type'];
        delete headers['content-length'];
        hop.body = { body: null, contentType: null, replayable: true };
      }
      if (next.crossOrigin) {
        delete headers.authorization;
        delete headers.cookie;
        delete headers.host;
        hop.userCookie = undefined;
      }
    }
    if (next.url.username !== '' || next.url.password !== '') {
      // As aiohttp: credentials in a Location replace those sent so far.
      headers = { ...headers, authorization: requestAuth('redirect', next.url, null, null) as string };
    }
    hop.headers = headers;
    hop.url = next.url;
    hop.method = next.method;
  }

  // The innermost handler of the middlewares: sends what the request holds now.
  async #sendRequest(r: ClientRequest, timeout: ClientTimeout, started: number, signal: AbortSignal | undefined, verify: boolean, maxSize: number | null, trace: RequestTrace | null, proxy: ProxyChoice | null, limits: HeadLimits): Promise<ClientResponse> {
    const W = 'ClientRequest';
    const method = toMethod(W, r.method);
    const url = buildUrl(W, r.url, null, undefined, HTTP_SCHEMES);
    const auth = url.username !== '' || url.password !== '' ? requestAuth(W, url, null, null) : undefined;
    const headers: Record<string, string> = {};
    for (const [name, value] of r.headers) addHeader(W, headers, name, value);
    if (auth !== undefined) headers.authorization = auth;
    const body = r._encoded;
    if (!body.replayable) {
      if (r._consumed) throw new ClientPayloadError('ClientRequest: the body was streamed and cannot be sent twice (a middleware retried it: send a string or bytes)');
      r._consumed = true;
    }
    if (requestChannel.hasSubscribers) requestChannel.publish({ session: this, method, url, headers });
    const total = timeout.total === null ? null : Math.max(0.001, timeout.total - (performance.now() - started) / 1000);
    const hop: Hop = { url, method, headers, userCookie: undefined, body };
    const info: RequestInfo = { url, method, headers, realUrl: url };
    return this.#exchange(hop, headers, info, timeout, total, signal, verify, maxSize, trace, proxy, limits);
  }

  #finalHeaders(hop: Hop): Record<string, string> {
    const jarCookie = this.#jar.cookieHeader(hop.url);
    const ct = hop.body.contentType;
    const needType = ct !== null && hop.headers['content-type'] === undefined;
    if (jarCookie === '' && !needType) return hop.headers;
    const out = { ...hop.headers };
    if (needType) out['content-type'] = ct;
    if (jarCookie !== '') out.cookie = hop.userCookie === undefined ? jarCookie : `${hop.userCookie}; ${jarCookie}`;
    return out;
  }

  async #exchange(hop: Hop, headers: Record<string, string>, info: RequestInfo, timeout: ClientTimeout, total: number | null, signal: AbortSignal | undefined, verify: boolean, maxSize: number | null, trace: RequestTrace | null, explicitProxy: ProxyChoice | null, limits: HeadLimits): Promise<ClientResponse> {
    const u = hop.url;
    // The environment's proxy is chosen per hop: a redirect may lead to a NO_PROXY host.
    const proxy = explicitProxy ?? (this.#trustEnv ? proxyFromEnv('ClientSession.request()', u, this.#netrcOf()) : null);
    const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
    const sockRead = timeout.sockRead === null ? 0 : Math.ceil(timeout.sockRead * 1000);
    const opts: Dispatcher.DispatchOptions = {
      origin: u.origin,
      path: u.pathname + u.search,
      method: hop.method,
      headers,
      body: hop.body.body as NonNullable<Dispatcher.DispatchOptions['body']>,
      // sockRead is timed by the handler; undici's own clocks are too coarse.
      headersTimeout: 0,
      bodyTimeout: 0,
      reset: this.#connector._forceClose,
    };
    let dispatcher: Dispatcher;
    if (proxy === null) {
      dispatcher = this.#connector._dispatcher(verify);
    } else if (u.protocol === 'http:') {
      // Absolute-form to the proxy, on the connector's pool to the proxy.
      opts.origin = proxy.url.origin;
      opts.path = u.origin + u.pathname + u.search;
      const h: Record<string, string> = { ...headers, host: u.host };
      if (proxy.authorization !== undefined) h['proxy-authorization'] = proxy.authorization;
      opts.headers = h;
      dispatcher = this.#connector._dispatcher(verify);
    } else {
      // undici's ProxyAgent adds `host` to the headers it is given: a copy.
      opts.headers = { ...headers };
      dispatcher = (this.#proxies ??= new ProxyAgents(this.#connector)).tunnel(proxy, verify);
    }
    const setup: HandlerSetup = {
      dispatcher,
      viaProxy: proxy === null ? null : proxy.url,
      info,
      readBufsize: limits._readBufsize,
      maxLineSize: limits._maxLineSize,
      maxFieldSize: limits._maxFieldSize,
      opts,
      slots: this.#connector._slots,
      key: u.origin,
      host: u.hostname,
      port,
      total,
      connect: timeout.connect,
      sockRead,
      decompress: this.#decompress,
      signal,
      onQueued: trace === null ? undefined : (start) => trace.notify(start ? 'onConnectionQueuedStart' : 'onConnectionQueuedEnd', {}),
      onChunk: trace === null ? undefined : (chunk) => trace.notify('onResponseChunkReceived', { method: hop.method, url: u, chunk }),
    };
    const sent = total === null ? 0 : performance.now();
    let h = new RequestHandler(setup);
    h.start();
    try {
      await suspend(h.fut, undefined);
    } catch (e) {
      // A keep-alive socket the server had closed: resend once on a fresh one,
      // within what is left of `total`.
      if (!h.retryable || !IDEMPOTENT.has(hop.method) || !hop.body.replayable) throw e;
      const left = total === null ? null : Math.max(0.001, total - (performance.now() - sent) / 1000);
      h = new RequestHandler(left === total ? setup : { ...setup, total: left });
      h.start();
      await suspend(h.fut, undefined);
    }
    try {
      resumed();
    } catch (e) {
      h.release();
      throw e;
    }
    return new ClientResponse(h, info, maxSize);
  }

  /** `request('GET', url, options)`. */
  get(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('GET', url, options);
  }

  /** `request('POST', url, options)`. */
  post(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('POST', url, options);
  }

  /** `request('PUT', url, options)`. */
  put(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('PUT', url, options);
  }

  /** `request('PATCH', url, options)`. */
  patch(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('PATCH', url, options);
  }

  /** `request('DELETE', url, options)`. */
  delete(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('DELETE', url, options);
  }

  /** `request('HEAD', url, options)`; redirects are not followed unless asked, as aiohttp. */
  head(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('HEAD', url, { allowRedirects: false, ...options });
  }

  /** `request('OPTIONS', url, options)`. */
  options(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request('OPTIONS', url, options);
  }

  /**
   * Open a WebSocket (`ws:`/`wss:`, or `http(s):`), with the session's
   * headers and cookies.
   * @example
   * await using ws = await session.wsConnect('ws://127.0.0.1:8080/ws');
   * await ws.sendStr('hi');
   * for await (const msg of ws) console.log(msg.data);
   */
  async wsConnect(url: string | URL, options: WSConnectOptions = {}): Promise<ClientWebSocketResponse> {
    const W = 'ClientSession.wsConnect()';
    if (this.#closed) throw new InvalidStateError(`${W}: the session is closed`);
    checkWsOptions(options);
    const u = buildUrl(W, url, this.#base, undefined, WS_SCHEMES);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    else if (u.protocol === 'https:') u.protocol = 'wss:';
    const headers: Record<string, string> = { ...this.#headers };
    delete headers['accept-encoding'];
    readHeaders(W, options.headers, headers);
    // As request(): the handshake's Authorization from auth, the URL (taken
    // out of it, so that ws does not send it twice) or the session; then netrc.
    const auth = options.auth === undefined && this.#auth === null && u.username === '' && u.password === '' ? undefined : requestAuth(W, u, toAuth(W, options.auth), this.#auth);
    if (auth !== undefined) {
      if (headers.authorization !== undefined) throw new TypeError(`${W}: cannot combine an Authorization header with the auth option or credentials in the URL`);
      headers.authorization = auth;
    } else if (this.#trustEnv && headers.authorization === undefined) {
      const fromNetrc = netrcAuthorization(this.#netrcOf(), u.hostname);
      if (fromNetrc !== undefined) headers.authorization = fromNetrc;
    }
    const explicit = options.proxy === undefined && options.proxyAuth === undefined
      ? this.#proxy
      : toProxy(W, options.proxy ?? this.#proxyRaw, options.proxyAuth ?? this.#proxyAuthRaw);
    const proxy = explicit ?? (this.#trustEnv ? proxyFromEnv(W, u, this.#netrcOf()) : null);
    const httpUrl = new URL(u.href);
    httpUrl.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    const cookie = this.#jar.cookieHeader(httpUrl);
    if (cookie !== '') headers.cookie = headers.cookie === undefined ? cookie : `${headers.cookie}; ${cookie}`;
    for (const ws of this.#websockets) if (ws.closed) this.#websockets.delete(ws);
    const ws = await wsConnect(u, headers, options, this.#timeout, { connector: this.#connector, proxy });
    this.#websockets.add(ws);
    return ws;
  }

  /** Close the session, its open WebSockets (1001, going away) and (if it owns it) its connector; resolves once every socket is closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const sockets = [...this.#websockets].map((ws) => ws.close({ code: 1001, message: 'session closed' }));
    this.#websockets.clear();
    await Promise.all([...sockets, this.#proxies?.close(), this.#ownsConnector ? this.#connector.close() : undefined]);
  }

  /** Same as `close()`: `await using session = new ClientSession()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const WS_SCHEMES: ReadonlySet<string> = new Set(['ws:', 'wss:', 'http:', 'https:']);
