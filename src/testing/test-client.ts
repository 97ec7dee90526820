/**
 * `TestClient`, as aiohttp's `test_utils.TestClient`: a `ClientSession`
 * bound to a {@link TestServer}, whose requests take paths and return the
 * client's own `ClientResponse`.
 * @module
 */
import { ClientResponse } from '../client/response.js';
import { ClientSession, SESSION_ALIASES, SESSION_OPTION_NAMES, type ClientSessionOptions } from '../client/session.js';
import { CookieJar } from '../client/cookie-jar.js';
import type { RequestOptions } from '../client/request-options.js';
import type { ClientWebSocketResponse, WSConnectOptions } from '../client/ws.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { describe } from '../core/validate.js';
import { Application } from '../web/application.js';
import { TestServer, type TestServerOptions } from './test-server.js';

// The session's options but `baseUrl`, which is the server's.
const SESSION_OPTIONS = knownOptions(...SESSION_OPTION_NAMES.filter((n) => n !== 'baseUrl'));

/** Options of one request: the client's `RequestOptions`. */
export type TestRequestOptions = RequestOptions;

/**
 * The response of a {@link TestClient} request: the client's `ClientResponse`
 * (status and headers at once, the body read with `text()`, `json()`, `read()`).
 * @deprecated Use `ClientResponse` from `aiots/client`; this alias stays for code written before the client existed.
 */
export const TestResponse = ClientResponse;
/** @deprecated Use `ClientResponse` from `aiots/client`. */
export type TestResponse = ClientResponse;

/**
 * A client bound to a {@link TestServer}. As aiohttp's, its session keeps
 * cookies from the 127.0.0.1 server (`CookieJar({ unsafe: true })`), and
 * `close()` closes the session (every unread response with it), then the
 * server.
 * @example
 * await using client = await TestClient.create(app);
 * const resp = await client.get('/hello/x');
 * assert.equal(resp.status, 200);
 * assert.equal(await resp.text(), 'hello, x');
 */
export class TestClient implements AsyncDisposable {
  /** The server. */
  readonly server: TestServer;
  /** The session every request goes through. */
  readonly session: ClientSession;
  #closed = false;

  /**
   * Prefer {@link TestClient.create}. The server must be started before the
   * first request; `sessionOptions` go to the `ClientSession` (`baseUrl` is the server's).
   */
  constructor(server: TestServer, sessionOptions: Omit<ClientSessionOptions, 'baseUrl'> = {}) {
    if (!(server instanceof TestServer)) throw new TypeError(`TestClient(): server must be a TestServer, got ${describe(server)}`);
    if (typeof sessionOptions !== 'object' || sessionOptions === null) throw new TypeError(`TestClient(): sessionOptions must be an object, got ${describe(sessionOptions)}`);
    checkOptions('TestClient()', sessionOptions, SESSION_OPTIONS, SESSION_ALIASES);
    this.server = server;
    this.session = new ClientSession({ cookieJar: new CookieJar({ unsafe: true }), ...sessionOptions });
  }

  /** Start a server for `app` (or use the given one) and a client for it. */
  static async create(app: Application | TestServer, options?: TestServerOptions, sessionOptions?: Omit<ClientSessionOptions, 'baseUrl'>): Promise<TestClient> {
    const server = app instanceof Application ? new TestServer(app, options) : app;
    if (!(server instanceof TestServer)) throw new TypeError(`TestClient.create(): app must be an Application or a TestServer, got ${describe(app)}`);
    await server.start();
    return new TestClient(server, sessionOptions);
  }

  /** The application. */
  get app(): Application {
    return this.server.app;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The absolute URL of `path`. */
  makeUrl(path: string): string {
    return this.server.makeUrl(path);
  }

  /** Send a request to `path` on the test server; resolves at the response headers, as `session.request()`. */
  async request(method: string, path: string, options?: TestRequestOptions): Promise<ClientResponse> {
    return this.session.request(method, this.makeUrl(path), options);
  }

  /** GET `path`. */
  get(path: string, options?: TestRequestOptions): Promise<ClientResponse> {
    return this.request('GET', path, options);
  }

  /** POST `path`. */
  post(path: string, options?: TestRequestOptions): Promise<ClientResponse> {
    return this.request('POST', path, options);
  }

  /** PUT `path`. */
  put(path: string, options?: TestRequestOptions): Promise<ClientResponse> {
    return this.request('PUT', path, options);
  }

  /** PATCH `path`. */
  patch(path: string, options?: TestRequestOptions): Promise<ClientResponse> {
    return this.request('PATCH', path, options);
  }

  /** DELETE `path`. */
  delete(path: string, options?: TestRequestOptions): Promise<ClientResponse> {
    return this.request('DELETE', path, options);
  }

  /** HEAD `path` (redirects not followed unless asked, as the session's `head`). */
  head(path: string, options?: TestRequestOptions): Promise<ClientResponse> {
    return this.request('HEAD', path, { allowRedirects: false, ...options });
  }

  /** OPTIONS `path`. */
  options(path: string, options?: TestRequestOptions): Promise<ClientResponse> {
    return this.request('OPTIONS', path, options);
  }

  /**
   * Open a WebSocket to `path` on the test server, as aiohttp's
   * `client.ws_connect()`; closed with the client if still open.
   * @example
   * await using ws = await client.wsConnect('/ws');
   * await ws.sendStr('hi');
   */
  wsConnect(path: string, options?: WSConnectOptions): Promise<ClientWebSocketResponse> {
    return this.session.wsConnect(this.makeUrl(path), options);
  }

  /** Close the session (its sockets and unread responses), then the server. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.session.close();
    } finally {
      await this.server.close();
    }
  }

  /** Same as `close()`: `await using client = await TestClient.create(app)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
