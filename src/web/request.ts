/**
 * `Request`, as aiohttp's `web.Request`. It wraps Node's `IncomingMessage`
 * and computes each property on first use, so a handler pays only for what
 * it reads.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { inspect } from 'node:util';
import { parseCookie } from 'cookie';
import { Future } from '../core/future.js';
import { listenWhilePending } from '../core/listen-while-pending.js';
import { StreamReader } from '../core/streams/stream-reader.js';
import { suspend } from '../core/suspend.js';
import type { Task } from '../core/task.js';
import { describe } from '../core/validate.js';
import type { Application } from './application.js';
import { requestCoding } from './body-coding.js';
import { feedBody } from './body-feed.js';
import { HTTPBadRequest, HTTPRequestEntityTooLarge, HTTPUnsupportedMediaType } from './exceptions.js';
import { RequestHeaders, isSafeValue, isToken } from './headers.js';
import { ConnectionResetError } from './response.js';
import type { ResourceRoute } from './router/resources.js';
import type { MatchInfo } from './router/route-params.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { MultiDictProxy } from './multidict.js';
import { checkMultipartOptions, checkPostOptions, resolveLimits, toLimit, type MultipartOptions, type PostOptions, type ResolvedLimits } from './multipart/options.js';
import { readPostForm, TempFiles, type PostData } from './multipart/post-form.js';
import { MultipartReader } from './multipart/reader.js';

const CLONE_OPTIONS = knownOptions('method', 'relUrl', 'headers', 'scheme', 'host', 'remote', 'clientMaxSize');
const JSON_OPTIONS = knownOptions('loads');

/** What `clone()` may change, as aiohttp's `clone()`. */
export interface CloneOptions {
  /** Another method. */
  readonly method?: string;
  /** Another path and query (`/path?x=1`). */
  readonly relUrl?: string;
  /** Other headers (they replace all of them). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>> | RequestHeaders;
  /** Another scheme (e.g. from `X-Forwarded-Proto` behind a proxy). */
  readonly scheme?: 'http' | 'https';
  /** Another host (e.g. from `X-Forwarded-Host`). */
  readonly host?: string;
  /** Another peer address (e.g. from `X-Forwarded-For`). */
  readonly remote?: string;
  /** Another body size limit in bytes (0: no limit). */
  readonly clientMaxSize?: number;
}

/** A request's values computed on first use. */
interface Lazy {
  over?: Overrides;
  path?: string;
  url?: URL;
  query?: URLSearchParams;
  headers?: RequestHeaders;
  cookies?: Readonly<Record<string, string>>;
  content?: StreamReader;
  body?: Promise<Buffer>;
  form?: Promise<PostData>;
  controller?: AbortController;
}

/** What a clone overrides; plain requests have none, so their getters pay one check. */
interface Overrides {
  readonly headers: NodeJS.Dict<string | string[]> | undefined;
  readonly rawHeaders: string[] | undefined;
  readonly scheme: 'http' | 'https' | undefined;
  readonly host: string | undefined;
  readonly remote: string | undefined;
}

/**
 * An incoming request, handed to handlers and middlewares.
 * @example
 * async function hello(request: Request<{ readonly name: string }>) {
 *   return new Response({ text: `hello, ${request.matchInfo.name}` });
 * }
 * @typeParam P - the type of `matchInfo`: the router gives a route's
 * handler `{ readonly name: string }` for the path `'/hello/{name}'`.
 */
export class Request<P extends MatchInfo = MatchInfo> {
  /** @internal */
  readonly _req: IncomingMessage;
  /** @internal */
  readonly _res: ServerResponse;
  /** @internal The current app (see `app`). */
  _app: Application;
  /** The path parameters, percent-decoded (`{name}` → `matchInfo.name`). */
  readonly matchInfo: P;
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
  // What is computed on demand lives in one object made on first use: most
  // requests read none of it, and each field a request starts with is a
  // store on the hot path.
  #lazy: Lazy | undefined = undefined;

  /** @internal */
  constructor(
    req: IncomingMessage, res: ServerResponse, app: Application, route: ResourceRoute | null,
    params: Readonly<Record<string, string>>, allowed: Set<string> | null, rawPath: string, search: string, method?: string, maxSize?: number,
  ) {
    this._req = req;
    this._res = res;
    this._app = app;
    this.route = route;
    this.matchInfo = params as P;
    this._allowed = allowed;
    this.#rawPath = rawPath;
    this.#search = search;
    this.#method = method ?? (req.method as string);
    this.#maxSize = maxSize ?? app._clientMaxSize;
  }

  /**
   * The application whose middleware or handler is running: the matched
   * route's app in its handler, an outer app in that app's middlewares.
   */
  get app(): Application {
    return this._app;
  }

  /** The method, upper case. */
  get method(): string {
    return this.#method;
  }

  /** The path, percent-decoded. */
  get path(): string {
    return (this.#l.path ??= this.#rawPath.includes('%') ? decodeURIComponent(this.#rawPath) : this.#rawPath);
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
    const l = this.#l;
    if (l.url === undefined) {
      try {
        l.url = new URL(this.#rawPath + this.#search, `${this.scheme}://${this.host}`);
      } catch {
        l.url = new URL(this.#rawPath + this.#search, `${this.scheme}://localhost`);
      }
    }
    return l.url;
  }

  /** The query parameters, a multi-value map (`getAll` for repeated keys). */
  get query(): URLSearchParams {
    return (this.#l.query ??= new URLSearchParams(this.#search));
  }

  /** The headers, case-insensitive. */
  get headers(): RequestHeaders {
    const l = this.#l;
    const o = l.over;
    return (l.headers ??= new RequestHeaders(o?.headers ?? this._req.headers, o?.rawHeaders ?? this._req.rawHeaders));
  }

  get #l(): Lazy {
    return (this.#lazy ??= {});
  }

  /** Node's parsed headers, or a clone's replacements. */
  get #h(): NodeJS.Dict<string | string[]> {
    return this.#lazy?.over?.headers ?? this._req.headers;
  }

  /** The HTTP version, e.g. '1.1'. */
  get version(): string {
    return this._req.httpVersion;
  }

  /** Cookies sent by the client. */
  get cookies(): Readonly<Record<string, string>> {
    const l = this.#l;
    if (l.cookies === undefined) {
      const raw = this.#h.cookie as string | undefined;
      const out: Record<string, string> = {};
      if (raw !== undefined) for (const [k, v] of Object.entries(parseCookie(raw))) if (v !== undefined) out[k] = v;
      l.cookies = out;
    }
    return l.cookies;
  }

  /** The MIME type of the body, lower case, without parameters. @default 'application/octet-stream' */
  get contentType(): string {
    const ct = this.#h['content-type'] as string | undefined;
    if (ct === undefined) return 'application/octet-stream';
    const i = ct.indexOf(';');
    return (i === -1 ? ct : ct.slice(0, i)).trim().toLowerCase();
  }

  /** The charset parameter of the Content-Type, or null. */
  get charset(): string | null {
    const ct = this.#h['content-type'] as string | undefined;
    const m = ct === undefined ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(ct);
    return m === null ? null : (m[1] as string).toLowerCase();
  }

  /** The Content-Length, or null. */
  get contentLength(): number | null {
    const v = this.#h['content-length'] as string | undefined;
    return v === undefined ? null : Number(v);
  }

  /** True when the request has a body (a Content-Length above 0, or chunked). */
  get hasBody(): boolean {
    const h = this.#h;
    return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
  }

  /** The peer's address, or null. */
  get remote(): string | null {
    const o = this.#lazy?.over;
    if (o?.remote !== undefined) return o.remote;
    return this._req.socket.remoteAddress ?? null;
  }

  /** The Host header, or the local address. */
  get host(): string {
    const o = this.#lazy?.over;
    if (o?.host !== undefined) return o.host;
    return (this.#h.host as string | undefined) ?? `${this._req.socket.localAddress ?? '127.0.0.1'}:${this._req.socket.localPort ?? ''}`;
  }

  /** 'https' over TLS, else 'http'. */
  get scheme(): 'http' | 'https' {
    const o = this.#lazy?.over;
    if (o?.scheme !== undefined) return o.scheme;
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
    const l = this.#l;
    let c = l.controller;
    if (c === undefined) {
      c = l.controller = new AbortController();
      const res = this._res;
      if (res.destroyed && !res.writableFinished) c.abort(new ConnectionResetError('client disconnected'));
      else if (!res.writableFinished) res.once('close', this._onClose.bind(this));
    }
    return c.signal;
  }

  /** @internal The connection closed; abort if the response was not finished. */
  _onClose(): void {
    if (!this._res.writableFinished) this.#lazy?.controller?.abort(new ConnectionResetError('client disconnected'));
  }

  /**
   * The body as a StreamReader (not limited by clientMaxSize: read at your pace).
   * An alternative to `read()`/`text()`/`json()`/`post()`: once one of them took the body, it is at EOF.
   */
  get content(): StreamReader {
    const l = this.#l;
    if (l.content === undefined) {
      const reader = (l.content = new StreamReader());
      // read()/text()/json()/post() took the body: the stream is at its end, as aiohttp's.
      if (l.body !== undefined) reader.feedEof();
      else feedBody(this._req, reader, requestCoding(this.#h['content-encoding'] as string | undefined));
    }
    return l.content;
  }

  /** The whole body. Past clientMaxSize: `HTTPRequestEntityTooLarge` (413), the rest unread. */
  read(): Promise<Buffer> {
    return (this.#l.body ??= this.#readBody());
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
    checkOptions('Request.json()', options, JSON_OPTIONS);
    const text = await this.text();
    const loads = options?.loads ?? JSON.parse;
    try {
      return loads(text) as T;
    } catch (e) {
      throw new HTTPBadRequest({ text: `Invalid JSON body: ${(e as Error).message}` });
    }
  }

  /**
   * The form in the body, as aiohttp's `post()`: an urlencoded form, or a
   * multipart/form-data body whose fields are strings and whose files are
   * `FileField`s (in memory up to `spoolThreshold`, past that in a
   * temporary file removed when the request ends). The whole decoded body is
   * bounded by `clientMaxSize` (413); `limits` bound parts and their sizes.
   * Empty when there is no body; a body of another type is not a form:
   * `HTTPUnsupportedMediaType` (415), where aiohttp hands back an empty form.
   * @example
   * const form = await request.post({ limits: { fileSize: 50 * 1024 * 1024 } });
   * const photo = form.get('photo');
   * if (photo instanceof web.FileField) await fs.promises.copyFile(photo.path ?? '', dest);
   */
  post(options?: PostOptions): Promise<PostData> {
    checkPostOptions(options);
    const limits = resolveLimits('Request.post()', options);
    const threshold = toLimit('Request.post()', 'spoolThreshold', options?.spoolThreshold, 1024 * 1024);
    return (this.#l.form ??= this.#readForm(limits, threshold, options?.tmpDir ?? tmpdir()));
  }

  /**
   * A {@link MultipartReader} over a multipart/form-data body, as aiohttp's
   * `multipart()`: `next()` gives each part, whose bytes are read from the
   * client only as the handler reads them. Not bounded by `clientMaxSize`
   * (as aiohttp's); `limits` bound parts and their sizes.
   * @example
   * const reader = await request.multipart({ limits: { fileSize: 1024 ** 3 } });
   * for await (const part of reader) {
   *   if (part instanceof web.BodyPartReader && part.filename !== null) await pipeline(part, fs.createWriteStream(path.join(dir, randomUUID())));
   * }
   */
  async multipart(options?: MultipartOptions): Promise<MultipartReader> {
    checkMultipartOptions(options);
    return this.#multipartReader(resolveLimits('Request.multipart()', options), 0, 'Request.multipart()');
  }

  #multipartReader(limits: ResolvedLimits, maxSize: number, where: string): MultipartReader {
    const type = this.contentType;
    if (type !== 'multipart/form-data') {
      throw new HTTPUnsupportedMediaType({ text: `${where} reads multipart/form-data bodies, got a body of type ${type}` });
    }
    return new MultipartReader(this.headers, this.content, limits, maxSize, this);
  }

  async #readForm(limits: ResolvedLimits, threshold: number, tmpDir: string): Promise<PostData> {
    if (!this.hasBody) return new MultiDictProxy([]);
    const type = this.contentType;
    if (type === 'application/x-www-form-urlencoded') return new MultiDictProxy([...new URLSearchParams(await this.text())]);
    if (type !== 'multipart/form-data') {
      throw new HTTPUnsupportedMediaType({ text: `request.post() reads application/x-www-form-urlencoded and multipart/form-data forms, got a body of type ${type}` });
    }
    const max = this.#maxSize;
    const cl = this.contentLength;
    if (this.#h['content-encoding'] === undefined && cl !== null && max > 0 && cl > max) {
      this._bodyRefused = true;
      throw new HTTPRequestEntityTooLarge(max, cl);
    }
    const reader = this.#multipartReader(limits, max, 'request.post()');
    const temps = new TempFiles();
    // Removed when the handler's task ends, however it ends.
    const task = this._task;
    if (task !== null && !task.done()) task.addDoneCallback(() => temps.removeAll());
    else this._res.once('close', () => temps.removeAll());
    return readPostForm(reader, threshold, tmpDir, temps);
  }

  /**
   * A copy with some fields replaced, as aiohttp's `clone()`; the body is
   * shared. Middlewares use it to pass on what a proxy said.
   * @example
   * const fwd = request.clone({ scheme: 'https', host: request.headers.get('x-forwarded-host') ?? request.host });
   */
  clone(options?: CloneOptions): Request {
    const where = 'Request.clone()';
    checkOptions(where, options, CLONE_OPTIONS);
    const method = options?.method;
    if (method !== undefined && !isToken(method)) throw new TypeError(`${where}: method must be an HTTP method, got ${describe(method)}`);
    let rawPath = this.#rawPath;
    let search = this.#search;
    const rel = options?.relUrl;
    if (rel !== undefined) {
      if (typeof rel !== 'string' || !rel.startsWith('/')) throw new TypeError(`${where}: relUrl must be a path starting with "/", got ${describe(rel)}`);
      const q = rel.indexOf('?');
      rawPath = q === -1 ? rel : rel.slice(0, q);
      search = q === -1 ? '' : rel.slice(q);
    }
    const scheme = options?.scheme;
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') throw new TypeError(`${where}: scheme must be 'http' or 'https', got ${describe(scheme)}`);
    const host = options?.host;
    if (host !== undefined && (typeof host !== 'string' || host === '' || /[\s/?#@]/.test(host))) throw new TypeError(`${where}: host must be a host name with an optional port, got ${describe(host)}`);
    const remote = options?.remote;
    if (remote !== undefined && typeof remote !== 'string') throw new TypeError(`${where}: remote must be a string, got ${describe(remote)}`);
    const max = options?.clientMaxSize;
    if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 0)) throw new RangeError(`${where}: clientMaxSize must be an integer >= 0, got ${describe(max)}`);
    const prev = this.#lazy?.over;
    let headers = prev?.headers;
    let rawHeaders = prev?.rawHeaders;
    if (options?.headers !== undefined) [headers, rawHeaders] = headerOverride(where, options.headers);
    const r = new Request(this._req, this._res, this._app, this.route, this.matchInfo, this._allowed, rawPath, search, method?.toUpperCase() ?? this.#method, max ?? this.#maxSize);
    r._task = this._task;
    if (headers !== undefined || scheme !== undefined || host !== undefined || remote !== undefined || prev !== undefined) {
      r.#l.over = {
        headers,
        rawHeaders,
        scheme: scheme ?? prev?.scheme,
        host: host ?? prev?.host,
        remote: remote ?? prev?.remote,
      };
    }
    // The body is read once: a clone reads what the original read, and vice versa.
    const mine = this.#lazy;
    if (mine?.body !== undefined) r.#l.body = mine.body;
    if (mine?.content !== undefined) r.#l.content = mine.content;
    if (mine?.form !== undefined) r.#l.form = mine.form;
    return r;
  }

  /** As aiohttp's `repr`: `<Request GET /path >`, the path's non-ASCII characters escaped. */
  [inspect.custom](): string {
    return `<${this.constructor.name} ${this.#method} ${asciiEscaped(this.path)} >`;
  }

  async #readBody(): Promise<Buffer> {
    const max = this.#maxSize;
    const enc = this.#h['content-encoding'] as string | undefined;
    // A coded body is read through the decoding feed, and the limit applies
    // to the decoded bytes: a small gzip may inflate past it.
    if (enc !== undefined && requestCoding(enc) !== undefined) {
      void this.content;
    } else {
      const cl = this.contentLength;
      if (cl !== null && max > 0 && cl > max) {
        this._bodyRefused = true;
        throw new HTTPRequestEntityTooLarge(max, cl);
      }
    }
    if (this.#lazy?.content !== undefined) return this.#readFromContent(max);
    const req = this._req;
    if (req.complete && req.readableLength === 0) return Buffer.alloc(0);
    const fut = new Future<Buffer>();
    const chunks: Buffer[] = [];
    let size = 0;
    // Every listener checks fut.done(): the read may have been cancelled (the
    // task, a timeout, shutdown) while the client still sends, and settling a
    // done future from an emitter would throw out of the event loop.
    const onData = (chunk: Buffer): void => {
      if (fut.done()) return;
      size += chunk.length;
      if (max > 0 && size > max) {
        req.pause();
        this._bodyRefused = true;
        fut.setException(new HTTPRequestEntityTooLarge(max, size));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (!fut.done()) fut.setResult(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (e: Error): void => {
      if (!fut.done()) fut.setException(new ConnectionResetError('error reading the body', { cause: e }));
    };
    const onClose = (): void => {
      if (!fut.done()) fut.setException(new ConnectionResetError('client disconnected while sending the body'));
    };
    listenWhilePending(fut, req).on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    return suspend(fut, undefined);
  }

  async #readFromContent(max: number): Promise<Buffer> {
    const reader = this.#lazy?.content as StreamReader;
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

/** Headers given to `clone()` as Node's parsed dict and raw pairs. */
function headerOverride(where: string, input: NonNullable<CloneOptions['headers']>): [NodeJS.Dict<string | string[]>, string[]] {
  const dict: NodeJS.Dict<string | string[]> = Object.create(null) as NodeJS.Dict<string | string[]>;
  const raw: string[] = [];
  const add = (name: string, value: string): void => {
    if (!isToken(name)) throw new TypeError(`${where}: header name ${describe(name)} is not a valid token`);
    if (!isSafeValue(value)) throw new TypeError(`${where}: header ${name} must be a string without CR, LF or NUL, got ${describe(value)}`);
    raw.push(name, value);
    const key = name.toLowerCase();
    const cur = dict[key];
    if (cur === undefined) dict[key] = key === 'set-cookie' ? [value] : value;
    else if (Array.isArray(cur)) cur.push(value);
    else dict[key] = key === 'cookie' ? `${cur}; ${value}` : `${cur}, ${value}`;
  };
  if (input instanceof RequestHeaders) {
    for (const [k, v] of input) add(k, v);
  } else if (typeof input === 'object' && input !== null) {
    for (const [k, v] of Object.entries(input)) {
      if (Array.isArray(v)) for (const x of v as readonly string[]) add(k, x);
      else add(k, v as string);
    }
  } else {
    throw new TypeError(`${where}: headers must be an object or RequestHeaders, got ${describe(input)}`);
  }
  return [dict, raw];
}

// Python's `backslashreplace`: \xNN, \uNNNN or \UNNNNNNNN for each non-ASCII code point.
function asciiEscaped(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out += ch;
    else if (c < 0x100) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return out;
}
