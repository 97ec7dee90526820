/**
 * `Request`, as aiohttp's `web.Request`. It wraps Node's `IncomingMessage`
 * and computes each property on first use, so a handler pays only for what
 * it reads.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { parseCookie } from 'cookie';
import { Future } from '../core/future.js';
import { StreamReader } from '../core/streams/stream-reader.js';
import { suspend } from '../core/suspend.js';
import type { Task } from '../core/task.js';
import { describe } from '../core/validate.js';
import type { Application } from './application.js';
import { HTTPBadRequest, HTTPRequestEntityTooLarge } from './exceptions.js';
import { RequestHeaders } from './headers.js';
import { ConnectionResetError } from './response.js';
import type { ResourceRoute } from './router/resources.js';

/** What `clone()` may change. */
export interface CloneOptions {
  /** Another method. */
  readonly method?: string;
  /** Another path and query (`/path?x=1`). */
  readonly relUrl?: string;
}

/**
 * An incoming request, handed to handlers and middlewares.
 * @example
 * async function hello(request: Request) {
 *   return new Response({ text: `hello, ${request.matchInfo.name}` });
 * }
 */
export class Request {
  /** @internal */
  readonly _req: IncomingMessage;
  /** @internal */
  readonly _res: ServerResponse;
  /** The application of the matched route (a sub-application's for its routes). */
  readonly app: Application;
  /** The path parameters, percent-decoded (`{name}` → `matchInfo.name`). */
  readonly matchInfo: Readonly<Record<string, string>>;
  /** The matched route, or null on 404/405. */
  readonly route: ResourceRoute | null;
  /** @internal Methods the path allows when the route was not found for this method. */
  readonly _allowed: Set<string> | null;
  /** @internal The handler's task, set by the server. */
  _task: Task<unknown> | null = null;
  /** @internal Set when the body was refused (413): the connection must close. */
  _bodyRefused = false;
  readonly #method: string;
  readonly #rawPath: string;
  readonly #search: string;
  readonly #maxSize: number;
  #path: string | undefined = undefined;
  #url: URL | undefined = undefined;
  #query: URLSearchParams | undefined = undefined;
  #headers: RequestHeaders | undefined = undefined;
  #cookies: Readonly<Record<string, string>> | undefined = undefined;
  #content: StreamReader | undefined = undefined;
  #body: Promise<Buffer> | undefined = undefined;
  #controller: AbortController | undefined = undefined;

  /** @internal */
  constructor(
    req: IncomingMessage, res: ServerResponse, app: Application, route: ResourceRoute | null,
    params: Readonly<Record<string, string>>, allowed: Set<string> | null, rawPath: string, search: string, method?: string,
  ) {
    this._req = req;
    this._res = res;
    this.app = app;
    this.route = route;
    this.matchInfo = params;
    this._allowed = allowed;
    this.#rawPath = rawPath;
    this.#search = search;
    this.#method = method ?? (req.method as string);
    this.#maxSize = app._clientMaxSize;
  }

  /** The method, upper case. */
  get method(): string {
    return this.#method;
  }

  /** The path, percent-decoded. */
  get path(): string {
    return (this.#path ??= this.#rawPath.includes('%') ? decodeURIComponent(this.#rawPath) : this.#rawPath);
  }

  /** The path as received (still percent-encoded). */
  get rawPath(): string {
    return this.#rawPath;
  }

  /** The query string without `?`. */
  get queryString(): string {
    return this.#search === '' ? '' : this.#search.slice(1);
  }

  /** Path and query as received (aiohttp's `rel_url`). */
  get relUrl(): string {
    return this.#rawPath + this.#search;
  }

  /** The absolute URL. */
  get url(): URL {
    if (this.#url === undefined) {
      try {
        this.#url = new URL(this.#rawPath + this.#search, `${this.scheme}://${this.host}`);
      } catch {
        this.#url = new URL(this.#rawPath + this.#search, `${this.scheme}://localhost`);
      }
    }
    return this.#url;
  }

  /** The query parameters, a multi-value map (`getAll` for repeated keys). */
  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.#search));
  }

  /** The headers, case-insensitive. */
  get headers(): RequestHeaders {
    return (this.#headers ??= new RequestHeaders(this._req.headers, this._req.rawHeaders));
  }

  /** The HTTP version, e.g. '1.1'. */
  get version(): string {
    return this._req.httpVersion;
  }

  /** Cookies sent by the client. */
  get cookies(): Readonly<Record<string, string>> {
    if (this.#cookies === undefined) {
      const raw = this._req.headers.cookie;
      const out: Record<string, string> = {};
      if (raw !== undefined) for (const [k, v] of Object.entries(parseCookie(raw))) if (v !== undefined) out[k] = v;
      this.#cookies = out;
    }
    return this.#cookies;
  }

  /** The MIME type of the body, lower case, without parameters. @default 'application/octet-stream' */
  get contentType(): string {
    const ct = this._req.headers['content-type'];
    if (ct === undefined) return 'application/octet-stream';
    const i = ct.indexOf(';');
    return (i === -1 ? ct : ct.slice(0, i)).trim().toLowerCase();
  }

  /** The charset parameter of the Content-Type, or null. */
  get charset(): string | null {
    const ct = this._req.headers['content-type'];
    const m = ct === undefined ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(ct);
    return m === null ? null : (m[1] as string).toLowerCase();
  }

  /** The Content-Length, or null. */
  get contentLength(): number | null {
    const v = this._req.headers['content-length'];
    return v === undefined ? null : Number(v);
  }

  /** True when the request has a body (a Content-Length above 0, or chunked). */
  get hasBody(): boolean {
    const h = this._req.headers;
    return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
  }

  /** The peer's address, or null. */
  get remote(): string | null {
    return this._req.socket.remoteAddress ?? null;
  }

  /** The Host header, or the local address. */
  get host(): string {
    return this._req.headers.host ?? `${this._req.socket.localAddress ?? '127.0.0.1'}:${this._req.socket.localPort ?? ''}`;
  }

  /** 'https' over TLS, else 'http'. */
  get scheme(): 'http' | 'https' {
    return (this._req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
  }

  /** True over TLS. */
  get secure(): boolean {
    return this.scheme === 'https';
  }

  /** The handler's task (aiohttp's `request.task`). */
  get task(): Task<unknown> | null {
    return this._task;
  }

  /** Aborted when the client goes away before the response is finished. */
  get signal(): AbortSignal {
    let c = this.#controller;
    if (c === undefined) {
      c = this.#controller = new AbortController();
      const res = this._res;
      if (res.destroyed && !res.writableFinished) c.abort(new ConnectionResetError('client disconnected'));
      else if (!res.writableFinished) res.once('close', this._onClose.bind(this));
    }
    return c.signal;
  }

  /** @internal The connection closed; abort if the response was not finished. */
  _onClose(): void {
    if (!this._res.writableFinished) this.#controller?.abort(new ConnectionResetError('client disconnected'));
  }

  /** The body as a StreamReader (not limited by clientMaxSize: read at your pace). */
  get content(): StreamReader {
    if (this.#content === undefined) {
      const reader = (this.#content = new StreamReader());
      const req = this._req;
      reader.setTransport({ pauseReading: () => req.pause(), resumeReading: () => req.resume() });
      req.on('data', (chunk: Buffer) => reader.feedData(chunk));
      req.once('end', () => reader.feedEof());
      req.once('error', (e) => reader.setException(new ConnectionResetError('error reading the body', { cause: e })));
      req.once('close', () => {
        if (!req.complete) reader.setException(new ConnectionResetError('client disconnected'));
      });
    }
    return this.#content;
  }

  /** The whole body. Past clientMaxSize: `HTTPRequestEntityTooLarge` (413), the rest unread. */
  read(): Promise<Buffer> {
    return (this.#body ??= this.#readBody());
  }

  /** The body as text (its charset, default UTF-8). */
  async text(): Promise<string> {
    const body = await this.read();
    const cs = this.charset;
    if (cs === null || cs === 'utf-8' || cs === 'utf8') return body.toString('utf8');
    try {
      return new TextDecoder(cs).decode(body);
    } catch {
      throw new HTTPBadRequest({ text: `Unsupported charset ${cs}` });
    }
  }

  /** The body parsed as JSON; invalid JSON gets `HTTPBadRequest`. */
  async json<T = unknown>(options?: { readonly loads?: (text: string) => unknown }): Promise<T> {
    const text = await this.text();
    const loads = options?.loads ?? JSON.parse;
    try {
      return loads(text) as T;
    } catch (e) {
      throw new HTTPBadRequest({ text: `Invalid JSON body: ${(e as Error).message}` });
    }
  }

  /** A urlencoded form body as a multi-value map (empty for other content types). */
  async post(): Promise<URLSearchParams> {
    if (this.contentType !== 'application/x-www-form-urlencoded') return new URLSearchParams();
    return new URLSearchParams(await this.text());
  }

  /** A copy with some fields replaced, as aiohttp's `clone()`. */
  clone(options?: CloneOptions): Request {
    const method = options?.method;
    if (method !== undefined && typeof method !== 'string') throw new TypeError(`Request.clone(): method must be a string, got ${describe(method)}`);
    let rawPath = this.#rawPath;
    let search = this.#search;
    const rel = options?.relUrl;
    if (rel !== undefined) {
      if (typeof rel !== 'string' || !rel.startsWith('/')) throw new TypeError(`Request.clone(): relUrl must be a path starting with "/", got ${describe(rel)}`);
      const q = rel.indexOf('?');
      rawPath = q === -1 ? rel : rel.slice(0, q);
      search = q === -1 ? '' : rel.slice(q);
    }
    const r = new Request(this._req, this._res, this.app, this.route, this.matchInfo, this._allowed, rawPath, search, method?.toUpperCase() ?? this.#method);
    r._task = this._task;
    return r;
  }

  async #readBody(): Promise<Buffer> {
    const max = this.#maxSize;
    const cl = this.contentLength;
    if (cl !== null && max > 0 && cl > max) {
      this._bodyRefused = true;
      throw new HTTPRequestEntityTooLarge(max, cl);
    }
    if (this.#content !== undefined) return this.#readFromContent(max);
    const req = this._req;
    if (req.complete && req.readableLength === 0) return Buffer.alloc(0);
    const fut = new Future<Buffer>();
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (max > 0 && size > max) {
        done();
        req.pause();
        this._bodyRefused = true;
        fut.setException(new HTTPRequestEntityTooLarge(max, size));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      fut.setResult(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (e: Error): void => {
      done();
      fut.setException(new ConnectionResetError('error reading the body', { cause: e }));
    };
    const onClose = (): void => {
      done();
      if (!fut.done()) fut.setException(new ConnectionResetError('client disconnected while sending the body'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
    return suspend(fut, undefined);
  }

  async #readFromContent(max: number): Promise<Buffer> {
    const reader = this.#content as StreamReader;
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = await reader.readany();
      if (chunk.length === 0) break;
      size += chunk.length;
      if (max > 0 && size > max) {
        this._bodyRefused = true;
        throw new HTTPRequestEntityTooLarge(max, size);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }
}
