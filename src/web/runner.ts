/**
 * `AppRunner` and its sites, as aiohttp's `web_runner`: set the app up, then
 * serve it on TCP or Unix sockets; `cleanup()` shuts down gracefully.
 * @module
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { InvalidStateError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { describe, toDelay, toInt } from '../core/validate.js';
import type { Application } from './application.js';
import { Connections } from './connections.js';
import { RUNNER_OPTIONS, SERVER_ALIASES, TCP_SITE_OPTIONS, UNIX_SITE_OPTIONS } from './option-names.js';
import { ServerHandler, type HandlerOptions } from './server-handler.js';
import { setSendTimeout } from './send-stall.js';
import { resolveSsl, type SSLOptions } from './ssl.js';
import { shouldUpgrade, upgradeListener } from './upgrade.js';

/** Options of {@link AppRunner} (and of `runApp`). Durations in seconds. */
export interface RunnerOptions extends HandlerOptions {
  /** How long in-flight requests may take to finish at shutdown before they are cancelled. @default 60 */
  readonly shutdownTimeout?: number;
  /** How long an idle keep-alive connection stays open. @default 75 */
  readonly keepaliveTimeout?: number;
  /** Longest time a client may take to send the request headers (against slow senders). @default 60 */
  readonly headersTimeout?: number;
  /**
   * Longest time a client may take to send the whole request, headers and
   * body; also the longest a response may wait on a client that takes none of
   * its bytes, as nginx's `send_timeout` (0: no limit). @default 300
   */
  readonly requestTimeout?: number;
  /** Largest size of the request line and headers, in bytes; past it the client gets 431. @default 16384 */
  readonly maxHeaderSize?: number;
}

interface Resolved {
  shutdownTimeout: number;
  keepaliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  maxHeaderSize: number;
}

/**
 * Runs an application for one or more sites.
 * @example
 * const runner = new AppRunner(app);
 * await runner.setup();
 * const site = new TCPSite(runner, '127.0.0.1', 0);
 * await site.start();
 * console.log(site.name); // http://127.0.0.1:40123
 * await runner.cleanup();
 */
export class AppRunner {
  /** The application. */
  readonly app: Application;
  /** @internal */
  readonly _options: Resolved;
  readonly #handler: ServerHandler;
  #setUp = false;
  #started = false;
  readonly #sites = new Set<BaseSite>();
  #cleaning: Promise<void> | null = null;

  constructor(app: Application, options?: RunnerOptions) {
    if (typeof app !== 'object' || app === null || typeof (app as Partial<Application>).startup !== 'function') throw new TypeError(`AppRunner(): app must be an Application, got ${describe(app)}`);
    checkOptions('AppRunner()', options, RUNNER_OPTIONS, SERVER_ALIASES);
    this.app = app;
    const o = { ...app._handlerArgs, ...options };
    this.#handler = new ServerHandler(app, o);
    this._options = {
      shutdownTimeout: o.shutdownTimeout === undefined ? 60 : toDelay('AppRunner()', 'shutdownTimeout', o.shutdownTimeout),
      keepaliveTimeout: o.keepaliveTimeout === undefined ? 75 : toDelay('AppRunner()', 'keepaliveTimeout', o.keepaliveTimeout),
      headersTimeout: o.headersTimeout === undefined ? 60 : toDelay('AppRunner()', 'headersTimeout', o.headersTimeout),
      requestTimeout: o.requestTimeout === undefined ? 300 : toDelay('AppRunner()', 'requestTimeout', o.requestTimeout),
      maxHeaderSize: o.maxHeaderSize === undefined ? 16384 : toInt('AppRunner()', 'maxHeaderSize', o.maxHeaderSize, 1024),
    };
  }

  /** Freeze the app and run its `onStartup` callbacks. */
  async setup(): Promise<void> {
    if (this.#setUp) throw new InvalidStateError('AppRunner.setup(): already set up');
    this.#setUp = true;
    await this.app.startup();
    this.#started = true;
  }

  /** @internal */
  get _handler(): ServerHandler {
    if (!this.#started) throw new InvalidStateError(this.#setUp ? 'runner.setup() failed or has not finished; no site can start' : 'call runner.setup() before starting a site');
    return this.#handler;
  }

  /** The started sites. */
  get sites(): ReadonlySet<BaseSite> {
    return this.#sites;
  }

  /** The addresses the sites listen on. */
  get addresses(): (AddressInfo | string)[] {
    return [...this.#sites].map((s) => s.address).filter((a): a is AddressInfo | string => a !== null);
  }

  /** @internal */
  _register(site: BaseSite): void {
    this.#sites.add(site);
  }

  /** @internal */
  _unregister(site: BaseSite): void {
    this.#sites.delete(site);
  }

  /**
   * Shut down gracefully: stop accepting, run `onShutdown`, let in-flight
   * requests finish (up to `shutdownTimeout`, then cancel them), close every
   * connection, run `onCleanup`. After a failed `setup()` only `onCleanup`
   * runs (so cleanup contexts that did start are closed), as in aiohttp.
   */
  cleanup(): Promise<void> {
    return (this.#cleaning ??= this.#cleanup());
  }

  async #cleanup(): Promise<void> {
    const handler = this.#handler;
    if (!this.#setUp) return;
    if (!this.#started) {
      await this.app.cleanup();
      return;
    }
    handler._beginClose();
    const sites = [...this.#sites];
    // Draining takes at most half of shutdownTimeout: what is accepted last
    // still has the other half to be served.
    for (const s of sites) s._stopAccepting(this._options.shutdownTimeout / 2);
    try {
      await this.app.shutdown();
    } finally {
      // The same deadline as the handlers' (onShutdown does not count).
      const timeout = this._options.shutdownTimeout;
      const deadline = performance.now() + timeout * 1000;
      // What the sites accept while draining their accept queues is served
      // too: its handlers are waited for with the others.
      await Promise.all(sites.map((s) => s._drained()));
      await handler._drain(Math.max(0, deadline - performance.now()) / 1000);
      // What the handlers wrote may still be on its way to slow readers: it
      // gets what is left of shutdownTimeout to reach them.
      const left = Math.max(0, deadline - performance.now()) / 1000;
      await Promise.all(sites.map((s) => s._closeAll(left)));
      this.#sites.clear();
      await this.app.cleanup();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }
}

/**
 * The listen backlog when none is given: the system's largest (the kernel
 * lowers it to `net.core.somaxconn`, 4096 on Linux 5.4+), as Go's net package
 * does, rather than Node's 511. A burst of connections the accept queue
 * cannot hold leaves clients whose handshake the kernel dropped; the queue is
 * what shutdown drains and answers (see connections.ts).
 */
const DEFAULT_BACKLOG = 65535;

/**
 * Seconds to the whole milliseconds node:http insists on (it throws on
 * 2000.1); a positive duration never rounds down to 0, which means "no limit".
 */
function toMs(seconds: number): number {
  return seconds > 0 ? Math.max(1, Math.round(seconds * 1000)) : 0;
}

/**
 * How often node:http looks for connections past `headersTimeout` or
 * `requestTimeout` (milliseconds): a slow client is cut at most this late.
 * Node's default, 30 s, let a client hold a connection half a minute past
 * its deadline; at most 1 s it is cut within a second of it. The check
 * walks only the connections with a request under way (idle keep-alive
 * ones are not in its list), in C++: 10,000 of them cost about 0.6 ms
 * (bench/stress/check-interval.ts, docs/reliability.md).
 */
function checkingInterval(headersTimeout: number, requestTimeout: number): number {
  const shortest = Math.min(headersTimeout || Infinity, requestTimeout || Infinity);
  // Half the shortest timeout, so that a deadline of a second or less is
  // still met within about half of it; never busier than every 100 ms.
  return Math.round(Math.min(1000, Math.max(100, shortest * 500)));
}

/** Options of every site. */
export interface BaseSiteOptions {
  /** The listen backlog: how many connections the kernel queues until the server accepts them. @default the system's largest (`net.core.somaxconn` on Linux) */
  readonly backlog?: number;
  /**
   * Serve HTTPS (aiohttp's `ssl_context`): Node's TLS server options, e.g.
   * `{ key: readFileSync('key.pem'), cert: readFileSync('cert.pem') }`.
   * Checked at construction. HTTP/1.1 only. @default null (plain HTTP)
   */
  readonly ssl?: SSLOptions | null;
}

/** Base of the sites: a listening Node server fed by the runner's handler. */
export abstract class BaseSite {
  /** The runner. */
  readonly runner: AppRunner;
  /** @internal */
  protected _server: Server | HttpsServer | null = null;
  #connections: Connections | null = null;
  #closed: Promise<void> | null = null;
  #draining: Promise<void> | null = null;
  readonly #backlog: number | undefined;
  #ssl: TlsOptions | null;

  constructor(runner: AppRunner, options?: BaseSiteOptions) {
    if (!(runner instanceof AppRunner)) throw new TypeError(`${new.target.name}(): runner must be an AppRunner, got ${describe(runner)}`);
    this.runner = runner;
    this.#backlog = options?.backlog === undefined ? undefined : toInt(`${new.target.name}()`, 'backlog', options.backlog, 0);
    this.#ssl = options?.ssl === undefined || options.ssl === null ? null : resolveSsl(`${new.target.name}()`, options.ssl);
  }

  /** The URL shown in "Running on ...". */
  abstract get name(): string;

  /** 'https' when the site serves TLS, else 'http'. */
  get scheme(): 'http' | 'https' {
    return this.#ssl === null ? 'http' : 'https';
  }

  /**
   * Replace the certificate (and the rest of the TLS options) without a
   * restart, as Node's `server.setSecureContext()`: new connections get the
   * new one, open connections keep theirs. `ssl` is checked as at
   * construction and replaces the old options whole.
   * @example
   * site.setSecureContext({ key: readFileSync('key.pem'), cert: readFileSync('cert.pem') });
   */
  setSecureContext(ssl: SSLOptions): void {
    const where = `${this.constructor.name}.setSecureContext()`;
    if (this.#ssl === null) throw new InvalidStateError(`${where}: the site serves plain HTTP (it was made without ssl)`);
    const resolved = resolveSsl(where, ssl);
    (this._server as HttpsServer | null)?.setSecureContext(resolved);
    this.#ssl = resolved;
  }

  /** Where the server listens (null before `start()`). */
  get address(): AddressInfo | string | null {
    return this._server?.address() ?? null;
  }

  /** @internal */
  protected abstract _listenOptions(): { host?: string; port?: number; path?: string; reusePort?: boolean };

  /** Start listening. */
  async start(): Promise<void> {
    if (this._server !== null) throw new InvalidStateError(`${this.constructor.name}.start(): already started`);
    const handler = this.runner._handler;
    const o = this.runner._options;
    // Node insists that the headers' deadline is not past the whole request's.
    const headersTimeout = o.requestTimeout > 0 ? Math.min(o.headersTimeout, o.requestTimeout) : o.headersTimeout;
    const httpOptions = {
      headersTimeout: toMs(headersTimeout),
      requestTimeout: toMs(o.requestTimeout),
      maxHeaderSize: o.maxHeaderSize,
      // Strict parsing, even when Node runs with --insecure-http-parser (an
      // explicit false wins over the flag): a lenient parser lets through the
      // requests a proxy in front reads differently (smuggling). Host is
      // required on HTTP/1.1 and duplicates are not joined, as Node's
      // defaults, said here so that a change of default cannot loosen them.
      insecureHTTPParser: false,
      requireHostHeader: true,
      joinDuplicateHeaders: false,
      connectionsCheckingInterval: checkingInterval(headersTimeout, o.requestTimeout),
      noDelay: true,
      // Node 24.9+: only WebSocket handshakes go to 'upgrade' (Node 20 ignores it; see upgrade.ts).
      shouldUpgradeCallback: shouldUpgrade,
    };
    let server: Server | HttpsServer;
    if (this.#ssl === null) {
      server = createServer(httpOptions, handler.handle);
    } else {
      server = createHttpsServer({ ...this.#ssl, ...httpOptions }, handler.handle);
    }
    server.keepAliveTimeout = toMs(o.keepaliveTimeout);
    // A response the client stops taking is dropped at requestTimeout too (send-stall.ts).
    setSendTimeout(server, toMs(o.requestTimeout));
    // WebSocket handshakes come here instead of 'request' (on Node 20, every
    // request with `Connection: upgrade`: the rest go back to the parser).
    server.on('upgrade', upgradeListener(server, handler, this.#ssl !== null));
    this._server = server;
    this.#connections = new Connections(server, this.#ssl !== null);
    this.#closed = new Promise((resolve) => server.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ ...this._listenOptions(), backlog: this.#backlog ?? DEFAULT_BACKLOG }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: unknown) => {
      this._server = null;
      throw e;
    });
    this.runner._register(this);
  }

  /** Stop this site: stop accepting and close its connections once their responses are sent. */
  async stop(): Promise<void> {
    this._stopAccepting(this.runner._options.shutdownTimeout / 2);
    await this._closeAll();
    this.runner._unregister(this);
  }

  /**
   * @internal Stop accepting once the kernel's accept queue is drained
   * (what comes meanwhile is served, its responses closing their
   * connections), then drop idle keep-alive connections. `limit`: seconds
   * the draining may take at most.
   */
  _stopAccepting(limit = 0): void {
    const s = this._server;
    const connections = this.#connections;
    if (s === null || connections === null || !s.listening || this.#draining !== null) return;
    // net's close(), not http's: http's also drops every connection whose
    // response is ended, even while it is still being flushed.
    this.#draining = connections.drain(() => NetServer.prototype.close.call(s), limit);
  }

  /** @internal Resolves once the listener is closed (at once if it never started draining). */
  async _drained(): Promise<void> {
    await this.#draining;
  }

  /**
   * @internal Let each connection finish sending its response (up to
   * `timeout` seconds), close it, and wait for the server to be closed.
   */
  async _closeAll(timeout = 0): Promise<void> {
    const s = this._server;
    if (s === null) return;
    // The connections accepted while draining are waited for like the others.
    await this.#draining;
    await this.#connections?.closeWhenFlushed(timeout);
    s.closeAllConnections();
    this.#connections?.closeAll();
    // Also when no longer listening: http's close() stops its timer that
    // enforces headersTimeout and requestTimeout (a second 'close' is harmless).
    s.close();
    await this.#closed;
  }
}

/** Options of {@link TCPSite}. */
export interface TCPSiteOptions extends BaseSiteOptions {
  /** Let several processes bind the same port (SO_REUSEPORT, where Node supports it). */
  readonly reusePort?: boolean;
}

/** Serve on a TCP host and port (port 0: an ephemeral one, see `port`). */
export class TCPSite extends BaseSite {
  readonly #host: string | undefined;
  readonly #port: number;
  readonly #reusePort: boolean;

  constructor(runner: AppRunner, host?: string, port?: number, options?: TCPSiteOptions) {
    super(runner, options);
    checkOptions('TCPSite()', options, TCP_SITE_OPTIONS, SERVER_ALIASES);
    if (host !== undefined && host !== null && typeof host !== 'string') throw new TypeError(`TCPSite(): host must be a string, got ${describe(host)}`);
    this.#host = host ?? undefined;
    this.#port = port === undefined || port === null ? 8080 : toInt('TCPSite()', 'port', port, 0);
    if (this.#port > 65535) throw new RangeError(`TCPSite(): port must be <= 65535, got ${this.#port}`);
    this.#reusePort = options?.reusePort === true;
  }

  /** The port listened on (the real one when 0 was asked). */
  get port(): number {
    const a = this.address;
    return typeof a === 'object' && a !== null ? a.port : this.#port;
  }

  override get name(): string {
    const host = this.#host ?? '0.0.0.0';
    return `${this.scheme}://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  protected override _listenOptions(): { host?: string; port: number; reusePort?: boolean } {
    return { ...(this.#host === undefined ? {} : { host: this.#host }), port: this.#port, ...(this.#reusePort ? { reusePort: true } : {}) };
  }
}

/** Serve on a Unix domain socket. */
export class UnixSite extends BaseSite {
  readonly #path: string;

  constructor(runner: AppRunner, path: string, options?: BaseSiteOptions) {
    super(runner, options);
    checkOptions('UnixSite()', options, UNIX_SITE_OPTIONS, SERVER_ALIASES);
    if (typeof path !== 'string' || path === '') throw new TypeError(`UnixSite(): path must be a non-empty string, got ${describe(path)}`);
    this.#path = path;
  }

  override get name(): string {
    return `${this.scheme}://unix:${this.#path}:`;
  }

  protected override _listenOptions(): { path: string } {
    return { path: this.#path };
  }
}

/** What `loop.createServer(app.makeHandler(), host, port)` gives back. */
export class AppServer {
  /** The runner. */
  readonly runner: AppRunner;
  /** The site. */
  readonly site: TCPSite;

  /** @internal */
  constructor(runner: AppRunner, site: TCPSite) {
    this.runner = runner;
    this.site = site;
  }

  /** The port listened on. */
  get port(): number {
    return this.site.port;
  }

  /** Shut down gracefully (as `runner.cleanup()`). */
  close(): Promise<void> {
    return this.runner.cleanup();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
