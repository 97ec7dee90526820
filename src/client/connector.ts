/**
 * `TCPConnector`, as aiohttp's: the connection pool of a session, on
 * undici's `Agent` (one `Pool` per origin).
 * @module
 */
import { isIP, Socket as NetSocket, type LookupFunction, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { describe, toInt } from '../core/validate.js';
import { HostResolution } from './dns-cache.js';
import { ClientConnectionError } from './errors.js';
import { AbstractResolver, ThreadedResolver, type AddressFamily, type ResolveResult } from './resolver.js';
import { Slots } from './slots.js';
import { checkOptions, knownOptions } from '../core/options.js';

const CONNECTOR_OPTIONS = knownOptions(
  'limit', 'limitPerHost', 'keepaliveTimeout', 'ssl', 'forceClose', 'resolver', 'family', 'localAddr', 'useDnsCache', 'ttlDnsCache',
  'happyEyeballsDelay', 'sslShutdownTimeout', 'allowH2',
);
// aiohttp's TCPConnector names whose aiots name is not their camelCase.
const CONNECTOR_ALIASES = { ssl_context: 'ssl', sslContext: 'ssl', verify_ssl: 'ssl', verifySsl: 'ssl' };

/** Options of {@link TCPConnector}. */
export interface TCPConnectorOptions {
  /** Most connections in use at once, all hosts together (0: no cap). Requests beyond it wait. @default 100 */
  readonly limit?: number;
  /** Most connections per origin (0: no cap). @default 0 */
  readonly limitPerHost?: number;
  /** Seconds an idle keep-alive connection is kept. @default 15 */
  readonly keepaliveTimeout?: number;
  /** TLS: `false` skips certificate checks; an object is passed to `tls.connect`. @default true */
  readonly ssl?: boolean | ConnectionOptions;
  /** Close each connection after its response (no keep-alive). @default false */
  readonly forceClose?: boolean;
  /** Turns host names into addresses (aiohttp's `resolver`). @default a new `ThreadedResolver()` (the OS's `getaddrinfo`) */
  readonly resolver?: AbstractResolver;
  /** Address family: 0 (any), 4 or 6. @default 0 */
  readonly family?: AddressFamily;
  /** Local address to bind before connecting: a host, or `[host, port]` (aiohttp's `local_addr`). @default null */
  readonly localAddr?: string | readonly [string, number] | null;
  /** Keep resolved addresses for `ttlDnsCache` seconds. @default true */
  readonly useDnsCache?: boolean;
  /** Seconds a resolved address is kept (null: for ever). @default 10 */
  readonly ttlDnsCache?: number | null;
  /** Happy eyeballs (RFC 8305): seconds before the next address is tried alongside (null: one address at a time, Node's `autoSelectFamily` off). @default 0.25 */
  readonly happyEyeballsDelay?: number | null;
  /** Accepted for aiohttp code (deprecated there too): Node sends TLS close_notify and does not wait for the peer's. @default 0 */
  readonly sslShutdownTimeout?: number;
  /** Offer HTTP/2 by ALPN on https connections (undici's `allowH2`); servers that do not speak it get HTTP/1.1. @default false */
  readonly allowH2?: boolean;
}

/** @internal Told when the connector opens a socket (for trace hooks). */
export interface ConnectionObserver {
  onCreateStart(host: string, port: number): void;
  onCreateEnd(host: string, port: number, error: Error | null): void;
}

type Connect = buildConnector.connector;

/**
 * A pool of keep-alive connections. A session makes its own unless given one.
 * `limit` caps the connections in use (as aiohttp, idle keep-alive sockets
 * do not count); requests beyond it wait in FIFO order.
 * @example
 * const session = new ClientSession({ connector: new TCPConnector({ limit: 10, limitPerHost: 2 }) });
 */
export class TCPConnector {
  readonly #limit: number;
  readonly #limitPerHost: number;
  readonly #keepalive: number;
  readonly #ssl: boolean | ConnectionOptions;
  readonly #forceClose: boolean;
  readonly #dns: HostResolution;
  readonly #family: AddressFamily;
  readonly #localAddress: string | undefined;
  readonly #localPort: number | undefined;
  readonly #eyeballs: number | null;
  readonly #allowH2: boolean;
  // Addresses just resolved for a name, read by the `lookup` net.connect calls
  // synchronously from inside the connect (see #withResolver).
  readonly #resolved = new Map<string, ResolveResult[]>();
  /** @internal */
  readonly _slots: Slots;
  #agent: Agent | undefined = undefined;
  #insecure: Agent | undefined = undefined;
  #sockConnectMs = 30_000;
  #maxHeaderSize = 0;
  readonly #sockets = new Set<Socket>();
  #closed = false;
  #closing: Promise<void> | undefined = undefined;
  /** @internal */
  _observer: ConnectionObserver | undefined = undefined;

  /** A connector; see {@link TCPConnectorOptions}. */
  constructor(options: TCPConnectorOptions = {}) {
    checkOptions('TCPConnector()', options, CONNECTOR_OPTIONS, CONNECTOR_ALIASES);
    this.#limit = toInt('TCPConnector()', 'limit', options.limit ?? 100, 0);
    this.#limitPerHost = toInt('TCPConnector()', 'limitPerHost', options.limitPerHost ?? 0, 0);
    const ka = options.keepaliveTimeout ?? 15;
    if (typeof ka !== 'number' || !(ka > 0) || !Number.isFinite(ka)) throw new RangeError(`TCPConnector(): keepaliveTimeout must be a positive number of seconds, got ${describe(ka)}`);
    this.#keepalive = ka;
    const ssl = options.ssl ?? true;
    if (typeof ssl !== 'boolean' && (typeof ssl !== 'object' || ssl === null)) throw new TypeError(`TCPConnector(): ssl must be a boolean or TLS options, got ${describe(ssl)}`);
    this.#ssl = ssl;
    const fc = options.forceClose ?? false;
    if (typeof fc !== 'boolean') throw new TypeError(`TCPConnector(): forceClose must be a boolean, got ${describe(fc)}`);
    this.#forceClose = fc;
    const resolver = options.resolver ?? new ThreadedResolver();
    if (typeof (resolver as Partial<AbstractResolver> | null)?.resolve !== 'function') throw new TypeError(`TCPConnector(): resolver must have a resolve(host, port, family) method, got ${describe(resolver)}`);
    const useCache = options.useDnsCache ?? true;
    if (typeof useCache !== 'boolean') throw new TypeError(`TCPConnector(): useDnsCache must be a boolean, got ${describe(useCache)}`);
    const ttl = options.ttlDnsCache === undefined ? 10 : options.ttlDnsCache;
    if (ttl !== null && (typeof ttl !== 'number' || !(ttl >= 0) || !Number.isFinite(ttl))) throw new RangeError(`TCPConnector(): ttlDnsCache must be a number of seconds >= 0 or null, got ${describe(ttl)}`);
    this.#dns = new HostResolution(resolver, useCache, ttl);
    const family = options.family ?? 0;
    if (family !== 0 && family !== 4 && family !== 6) throw new TypeError(`TCPConnector(): family must be 0, 4 or 6, got ${describe(family)}`);
    this.#family = family;
    const local: unknown = options.localAddr ?? null;
    if (typeof local === 'string' && isIP(local) !== 0) {
      this.#localAddress = local;
    } else if (Array.isArray(local) && local.length === 2 && typeof local[0] === 'string' && isIP(local[0]) !== 0 && Number.isInteger(local[1]) && (local[1] as number) >= 0 && (local[1] as number) <= 65535) {
      this.#localAddress = local[0];
      this.#localPort = local[1] === 0 ? undefined : (local[1] as number);
    } else if (local !== null) {
      throw new TypeError(`TCPConnector(): localAddr must be an IP address or [ip, port], got ${describe(local)}`);
    }
    const he = options.happyEyeballsDelay === undefined ? 0.25 : options.happyEyeballsDelay;
    if (he !== null && (typeof he !== 'number' || !(he >= 0) || !Number.isFinite(he))) throw new RangeError(`TCPConnector(): happyEyeballsDelay must be a number of seconds >= 0 or null, got ${describe(he)}`);
    this.#eyeballs = he;
    const sst = options.sslShutdownTimeout ?? 0;
    if (typeof sst !== 'number' || !(sst >= 0)) throw new RangeError(`TCPConnector(): sslShutdownTimeout must be a number of seconds >= 0, got ${describe(sst)}`);
    const h2 = options.allowH2 ?? false;
    if (typeof h2 !== 'boolean') throw new TypeError(`TCPConnector(): allowH2 must be a boolean, got ${describe(h2)}`);
    this.#allowH2 = h2;
    this._slots = new Slots(this.#limit, this.#limitPerHost);
  }

  /** The cap on connections in use (0: none). */
  get limit(): number {
    return this.#limit;
  }

  /** The cap per origin (0: none). */
  get limitPerHost(): number {
    return this.#limitPerHost;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The resolver that turns host names into addresses. */
  get resolver(): AbstractResolver {
    return this.#dns.resolver;
  }

  /** Forget the cached addresses of `host` (and `port`), or all of them (aiohttp's `clear_dns_cache`). */
  clearDnsCache(host?: string, port?: number): void {
    this.#dns.clear(host, port);
  }

  /** @internal */
  get _forceClose(): boolean {
    return this.#forceClose;
  }

  /** Sockets currently open. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** @internal Set the socket connect timeout before the first request. */
  _configure(sockConnect: number | null, maxHeaderSize = 0): void {
    if (this.#agent !== undefined) return;
    this.#sockConnectMs = sockConnect === null ? 0 : Math.ceil(sockConnect * 1000);
    this.#maxHeaderSize = maxHeaderSize;
  }

  /** @internal The dispatcher for a request; `verify: false` skips TLS checks. */
  _dispatcher(verify: boolean): Dispatcher {
    if (!verify && this.#ssl !== false) return (this.#insecure ??= this.#makeAgent(false));
    return (this.#agent ??= this.#makeAgent(this.#ssl));
  }

  #makeAgent(ssl: boolean | ConnectionOptions): Agent {
    return new Agent({ connect: this._connect(ssl), ...this._poolOptions() });
  }

  /** @internal The TLS options of the connections (the target's, for a tunnel through a proxy). */
  _tls(verify: boolean): ConnectionOptions {
    const ssl = verify ? this.#ssl : false;
    return ssl === false ? { rejectUnauthorized: false } : ssl === true ? {} : ssl;
  }

  /** @internal What undici's pools are told (ProxyAgents get it too). */
  _poolOptions(): Agent.Options {
    // One origin can never use more than the smaller of the two caps.
    const limit = this.#limit;
    const perHost = this.#limitPerHost;
    const perOrigin = perHost === 0 ? limit : limit === 0 ? perHost : Math.min(limit, perHost);
    return {
      keepAliveTimeout: this.#keepalive * 1000,
      keepAliveMaxTimeout: Math.max(this.#keepalive * 1000, 600_000),
      ...(this.#localAddress === undefined ? {} : { localAddress: this.#localAddress }),
      ...(this.#allowH2 ? { allowH2: true } : {}),
      ...(this.#maxHeaderSize === 0 ? {} : { maxHeaderSize: this.#maxHeaderSize }),
      // Our slots free up in onComplete, a tick before undici marks the socket
      // idle; capping undici's pools too keeps `limit` a cap on sockets.
      ...(perOrigin === 0 ? {} : { connections: perOrigin }),
    };
  }

  /** @internal The connect function of the pools: resolve, dial, track. */
  _connect(ssl: boolean | ConnectionOptions): Connect {
    const tls: ConnectionOptions = ssl === false ? { rejectUnauthorized: false } : ssl === true ? {} : ssl;
    // A `lookup` given in the TLS options is the caller's own resolver: it wins.
    const own = typeof tls.lookup === 'function';
    const eyeballs = this.#eyeballs;
    const base = buildConnector({
      ...(own ? {} : { lookup: this.#lookup }),
      ...(this.#family === 0 ? {} : { family: this.#family }),
      ...(this.#localPort === undefined ? {} : { localPort: this.#localPort }),
      autoSelectFamily: eyeballs !== null,
      ...(eyeballs === null ? {} : { autoSelectFamilyAttemptTimeout: Math.max(10, Math.round(eyeballs * 1000)) }),
      ...(this.#allowH2 ? { allowH2: true } : {}),
      ...tls,
      timeout: this.#sockConnectMs,
    } as buildConnector.BuildOptions);
    return this.#track(own ? base : this.#withResolver(base));
  }

  // net.connect's lookup: the addresses the connector just resolved (the
  // resolver's own port was applied before), else the resolver itself.
  readonly #lookup: LookupFunction = (hostname, options, callback) => {
    const fam = options.family === 4 || options.family === 6 ? options.family : 0;
    const use = (addrs: readonly ResolveResult[]): void => {
      const list = fam === 0 ? addrs : addrs.filter((a) => a.family === fam);
      const first = list[0];
      if (first === undefined) {
        const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        callback(err, '', 0);
      } else if (options.all === true) {
        callback(null, list.map((a) => ({ address: a.host, family: a.family })));
      } else {
        callback(null, first.host, first.family);
      }
    };
    const ready = this.#resolved.get(hostname);
    if (ready !== undefined) {
      use(ready);
      return;
    }
    this.#dns.resolve(hostname, 0, this.#family, this.#sockConnectMs).then(use, (err: Error) => callback(err as NodeJS.ErrnoException, '', 0));
  };

  // aiohttp resolves before it dials, and a resolver may name another port:
  // resolve here, then let undici's connector dial with the answer at hand.
  #withResolver(base: Connect): Connect {
    const self = this;
    return function connect(opts, cb) {
      const host = opts.hostname;
      if (isIP(host) !== 0 || host.startsWith('[')) {
        const pending: unknown = base(opts, cb);
        if (pending instanceof NetSocket) self.#trackSocket(pending);
        return;
      }
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      self.#dns.resolve(host, port, self.#family, self.#sockConnectMs).then((addrs) => {
        if (self.#closed) {
          cb(new ClientConnectionError('Connector is closed'), null);
          return;
        }
        const first = addrs[0] as ResolveResult;
        // Node's happy eyeballs races addresses of one port; another port comes from a resolver's own mapping.
        const same = addrs.filter((a) => a.port === first.port);
        self.#resolved.set(host, same);
        try {
          const pending: unknown = base({ ...opts, port: String(first.port) }, cb);
          if (pending instanceof NetSocket) self.#trackSocket(pending);
        } catch (e) {
          cb(e as Error, null);
        } finally {
          self.#resolved.delete(host);
        }
      }, (err: Error) => cb(err, null));
    };
  }

  #trackSocket(socket: Socket): void {
    const sockets = this.#sockets;
    if (sockets.has(socket) || socket.closed) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  }

  #track(base: Connect): Connect {
    const self = this;
    return function connect(opts, cb) {
      const host = opts.hostname;
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      self._observer?.onCreateStart(host, port);
      // undici's connector returns the socket at once (its type says void):
      // tracking it from then on lets close() reach a socket still connecting
      // or in its TLS handshake, which undici's destroy() does not wait for.
      const pending: unknown = base(opts, (err, socket) => {
        if (socket !== null && socket !== undefined) self.#trackSocket(socket);
        self._observer?.onCreateEnd(host, port, err);
        if (err !== null) cb(err, null);
        else cb(null, socket);
      });
      if (pending instanceof NetSocket) self.#trackSocket(pending);
    };
  }

  /**
   * Close every connection (requests in flight fail). Resolves once every
   * socket is closed.
   */
  close(): Promise<void> {
    this.#closed = true;
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#dns.clear();
    const agents = [this.#agent, this.#insecure].filter((a) => a !== undefined);
    await Promise.all(agents.map((a) => a.destroy()));
    // What is left was still connecting when the pools went away.
    await Promise.all([...this.#sockets].map((s) => new Promise<void>((resolve) => {
      if (s.closed) {
        resolve();
        return;
      }
      s.once('close', () => resolve());
      s.destroy();
    })));
  }

  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
