/**
 * `TestClient`, as aiohttp's `test_utils.TestClient`, on undici's
 * `request()`. Kept in one file so that it can move onto `ClientSession`
 * once aiots/client lands.
 * @module
 */
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { Application } from '../web/application.js';
import { describe } from '../core/validate.js';
import { TestServer, type TestServerOptions } from './test-server.js';

/** Options of one request. */
export interface TestRequestOptions {
  /** Request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A body: bytes, text, or a form (sent urlencoded). */
  readonly data?: string | Uint8Array | URLSearchParams | Readonly<Record<string, string>>;
  /** A body sent as JSON. */
  readonly json?: unknown;
  /** Query parameters. */
  readonly params?: URLSearchParams | Readonly<Record<string, string>>;
  /** Follow redirects. @default true */
  readonly allowRedirects?: boolean;
}

/** The response: status, headers and the body (already read). */
export class TestResponse {
  /** The status code. */
  readonly status: number;
  /** The headers, lower-case names. */
  readonly headers: Headers;
  readonly #body: Buffer;

  /** @internal */
  constructor(status: number, headers: Headers, body: Buffer) {
    this.status = status;
    this.headers = headers;
    this.#body = body;
  }

  /** True for 2xx. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body bytes. */
  async read(): Promise<Buffer> {
    return this.#body;
  }

  /** The body as UTF-8 text. */
  async text(): Promise<string> {
    return this.#body.toString('utf8');
  }

  /** The body parsed as JSON. */
  async json<T = unknown>(): Promise<T> {
    return JSON.parse(this.#body.toString('utf8')) as T;
  }
}

/**
 * A client bound to a {@link TestServer}.
 * @example
 * const client = await TestClient.create(app);
 * const res = await client.get('/hello/x');
 * assert.equal(await res.text(), 'hello, x');
 * await client.close();
 */
export class TestClient {
  /** The server. */
  readonly server: TestServer;
  readonly #agent: Agent;
  readonly #follow: Dispatcher;
  #closed = false;

  /** Prefer {@link TestClient.create}. */
  constructor(server: TestServer) {
    if (!(server instanceof TestServer)) throw new TypeError(`TestClient(): server must be a TestServer, got ${describe(server)}`);
    this.server = server;
    this.#agent = new Agent({ keepAliveTimeout: 1000 });
    this.#follow = this.#agent.compose(interceptors.redirect({ maxRedirections: 10 }));
  }

  /** Start a server for `app` (or use the given one) and a client for it. */
  static async create(app: Application | TestServer, options?: TestServerOptions): Promise<TestClient> {
    const server = app instanceof Application ? new TestServer(app, options) : app;
    if (!(server instanceof TestServer)) throw new TypeError(`TestClient.create(): app must be an Application or a TestServer, got ${describe(app)}`);
    await server.start();
    return new TestClient(server);
  }

  /** The application. */
  get app(): Application {
    return this.server.app;
  }

  /** The absolute URL of `path`. */
  makeUrl(path: string): string {
    return this.server.makeUrl(path);
  }

  /** Send a request to `path` on the test server. */
  async request(method: string, path: string, options?: TestRequestOptions): Promise<TestResponse> {
    const url = new URL(this.makeUrl(path));
    const params = options?.params;
    if (params !== undefined) for (const [k, v] of new URLSearchParams(params)) url.searchParams.append(k, v);
    const headers: Record<string, string> = { ...options?.headers };
    let body: string | Uint8Array | undefined;
    const data = options?.data;
    if (options?.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (typeof data === 'string' || data instanceof Uint8Array) {
      body = data;
    } else if (data !== undefined) {
      body = new URLSearchParams(data as Record<string, string>).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const dispatcher = options?.allowRedirects === false ? this.#agent : this.#follow;
    const res = await request(url, { method: method.toUpperCase(), headers, body: body ?? null, dispatcher });
    const buf = Buffer.from(await res.body.arrayBuffer());
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (Array.isArray(v)) for (const x of v) h.append(k, x);
      else if (v !== undefined) h.append(k, v);
    }
    return new TestResponse(res.statusCode, h, buf);
  }

  /** GET. */
  get(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.request('GET', path, options);
  }

  /** POST. */
  post(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.request('POST', path, options);
  }

  /** PUT. */
  put(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.request('PUT', path, options);
  }

  /** PATCH. */
  patch(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.request('PATCH', path, options);
  }

  /** DELETE. */
  delete(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.request('DELETE', path, options);
  }

  /** HEAD. */
  head(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.request('HEAD', path, options);
  }

  /** OPTIONS. */
  options(path: string, options?: TestRequestOptions): Promise<TestResponse> {
    return this.request('OPTIONS', path, options);
  }

  /** Close the client and the server. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#agent.close();
    await this.server.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
