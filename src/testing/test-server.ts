/**
 * `TestServer`, as aiohttp's `test_utils.TestServer`: the app on a real
 * ephemeral port of 127.0.0.1.
 * @module
 */
import type { Application } from '../web/application.js';
import { AppRunner, TCPSite, type RunnerOptions } from '../web/runner.js';
import { resolveSsl, type SSLOptions } from '../web/ssl.js';
import { InvalidStateError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { SERVER_ALIASES, TEST_SERVER_OPTIONS } from '../web/option-names.js';

/** Options of {@link TestServer}: the runner's, plus where to listen. */
export interface TestServerOptions extends RunnerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (ephemeral) */
  readonly port?: number;
  /** Serve HTTPS with these TLS options (`key`, `cert`, ...), as aiohttp's `TestServer` with `ssl`. @default null */
  readonly ssl?: SSLOptions | null;
}

/**
 * Runs an application for a test. The access log is off unless asked for.
 * With `ssl` it serves HTTPS and `baseUrl` starts with `https://` (a client
 * then needs the certificate's CA, e.g. `new TCPConnector({ ssl: { ca: cert } })`).
 * @example
 * await using server = new TestServer(app);
 * await server.start();
 * const res = await fetch(server.makeUrl('/'));
 */
export class TestServer {
  /** The application. */
  readonly app: Application;
  /** The host listened on. */
  readonly host: string;
  /** 'https' when serving with `ssl`, else 'http'. */
  readonly scheme: 'http' | 'https';
  readonly #runner: AppRunner;
  readonly #port: number;
  readonly #ssl: SSLOptions | null;
  #site: TCPSite | null = null;

  constructor(app: Application, options?: TestServerOptions) {
    checkOptions('TestServer()', options, TEST_SERVER_OPTIONS, SERVER_ALIASES);
    const { host, port, ssl = null, ...runnerOptions } = options ?? {};
    this.app = app;
    this.host = host ?? '127.0.0.1';
    this.#port = port ?? 0;
    // Checked now, as the sites do, rather than at start().
    if (ssl !== null) resolveSsl('TestServer()', ssl);
    this.#ssl = ssl;
    this.scheme = ssl === null ? 'http' : 'https';
    // Where to listen is the site's business, not the runner's.
    this.#runner = new AppRunner(app, { accessLog: null, shutdownTimeout: 5, ...runnerOptions });
  }

  /** The runner (for its options and sites). */
  get runner(): AppRunner {
    return this.#runner;
  }

  /** Start (idempotent). */
  async start(): Promise<void> {
    if (this.#site !== null) return;
    await this.#runner.setup();
    const site = new TCPSite(this.#runner, this.host, this.#port, { ssl: this.#ssl });
    await site.start();
    this.#site = site;
  }

  /** The real port. */
  get port(): number {
    if (this.#site === null) throw new InvalidStateError('TestServer: call start() first');
    return this.#site.port;
  }

  /** The base URL, e.g. `http://127.0.0.1:40123` (`https://` with `ssl`). */
  get baseUrl(): string {
    return `${this.scheme}://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** The absolute URL of `path`. */
  makeUrl(path: string): string {
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`makeUrl(): path must start with "/", got ${JSON.stringify(path)}`);
    return this.baseUrl + path;
  }

  /** Shut down gracefully (runs the app's shutdown and cleanup). */
  async close(): Promise<void> {
    await this.#runner.cleanup();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
