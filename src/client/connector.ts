/**
 * `TCPConnector`, as aiohttp's: the connection pool of a session, on
 * undici's `Agent` (one `Pool` per origin).
 * @module
 */
import { Socket as NetSocket, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { describe, toInt } from '../core/validate.js';
import { Slots } from './slots.js';
import { checkOptions, knownOptions } from '../core/options.js';

const CONNECTOR_OPTIONS = knownOptions('limit', 'limitPerHost', 'keepaliveTimeout', 'ssl', 'forceClose');
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
  /** @internal */
  readonly _slots: Slots;
  #agent: Agent | undefined = undefined;
  #insecure: Agent | undefined = undefined;
  #sockConnectMs = 30_000;
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

  /** @internal */
  get _forceClose(): boolean {
    return this.#forceClose;
  }

  /** Sockets currently open. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** @internal Set the socket connect timeout before the first request. */
  _configure(sockConnect: number | null): void {
    if (this.#agent === undefined) this.#sockConnectMs = sockConnect === null ? 0 : Math.ceil(sockConnect * 1000);
  }

  /** @internal The dispatcher for a request; `verify: false` skips TLS checks. */
  _dispatcher(verify: boolean): Dispatcher {
    if (!verify && this.#ssl !== false) return (this.#insecure ??= this.#makeAgent(false));
    return (this.#agent ??= this.#makeAgent(this.#ssl));
  }

  #makeAgent(ssl: boolean | ConnectionOptions): Agent {
    const tls: ConnectionOptions = ssl === false ? { rejectUnauthorized: false } : ssl === true ? {} : ssl;
    const base = buildConnector({ ...tls, timeout: this.#sockConnectMs } as buildConnector.BuildOptions);
    // One origin can never use more than the smaller of the two caps.
    const limit = this.#limit;
    const perHost = this.#limitPerHost;
    const perOrigin = perHost === 0 ? limit : limit === 0 ? perHost : Math.min(limit, perHost);
    return new Agent({
      connect: this.#track(base),
      keepAliveTimeout: this.#keepalive * 1000,
      keepAliveMaxTimeout: Math.max(this.#keepalive * 1000, 600_000),
      // Our slots free up in onComplete, a tick before undici marks the socket
      // idle; capping undici's pools too keeps `limit` a cap on sockets.
      ...(perOrigin === 0 ? {} : { connections: perOrigin }),
    });
  }

  #track(base: Connect): Connect {
    const sockets = this.#sockets;
    const self = this;
    const track = (socket: Socket): void => {
      if (sockets.has(socket) || socket.closed) return;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    };
    return function connect(opts, cb) {
      const host = opts.hostname;
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      self._observer?.onCreateStart(host, port);
      // undici's connector returns the socket at once (its type says void):
      // tracking it from then on lets close() reach a socket still connecting
      // or in its TLS handshake, which undici's destroy() does not wait for.
      const pending: unknown = base(opts, (err, socket) => {
        if (socket !== null && socket !== undefined) track(socket);
        self._observer?.onCreateEnd(host, port, err);
        if (err !== null) cb(err, null);
        else cb(null, socket);
      });
      if (pending instanceof NetSocket) track(pending);
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
