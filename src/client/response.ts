/**
 * `ClientResponse`, as aiohttp's: status and headers at once, the body read
 * on demand (`text`, `json`, `read`, or `content`, a `StreamReader`).
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError, isCancellation } from '../core/errors.js';
import type { StreamReader } from '../core/streams/stream-reader.js';
import { describe, toInt } from '../core/validate.js';
import { ClientConnectionError, ClientResponseError, ClientResponseTooLargeError, ContentTypeError } from './errors.js';
import type { RequestHandler } from './handler.js';
import { ResponseHeaders } from './headers.js';
import type { RequestInfo } from './request-info.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { encodingName, type CharsetResolver } from './charset.js';
import { parseContentDisposition, type ContentDisposition } from './content-disposition.js';
import { parseLinks, type Link } from './links.js';

const READ_OPTIONS = knownOptions('maxSize');
const JSON_OPTIONS = knownOptions('maxSize', 'contentType', 'loads');

/** Options of `read()`, `text()` and `json()`. */
export interface ReadOptions {
  /** Fail with `ClientResponseTooLargeError` past this many bytes (after decompression). @default the session's `maxResponseSize` */
  readonly maxSize?: number | null;
}

/** Options of `json()`. */
export interface JsonOptions extends ReadOptions {
  /** The content type required (`null`: any). @default 'application/json' */
  readonly contentType?: string | null;
  /** Parse with this function instead of `JSON.parse`. */
  readonly loads?: (text: string) => unknown;
}

// A response that is dropped unread must not hold its socket forever.
const leaks = new FinalizationRegistry<RequestHandler>((h) => h.release());

const EMPTY_HISTORY: readonly ClientResponse[] = Object.freeze([]);

/**
 * The answer to a request. The body stays on the wire until read; a body
 * never read is released (drained or its socket closed) by `release()`,
 * `[Symbol.asyncDispose]`, or at the latest when the response is collected.
 * @example
 * await using resp = await session.get(url);
 * console.log(resp.status, await resp.text());
 */
export class ClientResponse implements AsyncDisposable {
  /** The HTTP status. */
  readonly status: number;
  /** The reason phrase (`OK`, `Not Found`). */
  readonly reason: string;
  /** The URL of this response (the last one after redirects). */
  readonly url: URL;
  /** The HTTP method of the request. */
  readonly method: string;
  /** What was sent. */
  readonly requestInfo: RequestInfo;
  readonly #handler: RequestHandler;
  readonly #maxSize: number | null;
  #headers: ResponseHeaders | undefined = undefined;
  #history: readonly ClientResponse[] = EMPTY_HISTORY;
  #body: Buffer | undefined = undefined;
  #resolver: CharsetResolver | null = null;

  /** @internal */
  constructor(handler: RequestHandler, requestInfo: RequestInfo, maxSize: number | null) {
    this.#handler = handler;
    this.status = handler.status;
    this.reason = handler.statusText;
    this.url = requestInfo.url;
    this.method = requestInfo.method;
    this.requestInfo = requestInfo;
    this.#maxSize = maxSize;
    if (!handler.done) leaks.register(this, handler, handler);
  }

  /** True for a status below 400. */
  get ok(): boolean {
    return this.status < 400;
  }

  /** The response headers, case-insensitive. */
  get headers(): ResponseHeaders {
    return (this.#headers ??= new ResponseHeaders(this.#handler.headers ?? {}));
  }

  /** The raw headers as a lower-case record. @internal */
  get _headerRecord(): Readonly<Record<string, string | string[]>> {
    return this.#handler.headers ?? {};
  }

  /** The responses of the redirects followed to reach this one, oldest first. */
  get history(): readonly ClientResponse[] {
    return this.#history;
  }

  /** @internal */
  _setHistory(history: readonly ClientResponse[]): void {
    this.#history = history;
  }

  /** The cookies this response set, `name → value`. */
  get cookies(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of this.headers.getAll('set-cookie')) {
      const pair = line.split(';', 1)[0] as string;
      const eq = pair.indexOf('=');
      if (eq > 0) out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    return out;
  }

  /** The media type without parameters, lower-case (`application/octet-stream` if absent, as aiohttp). */
  get contentType(): string {
    const ct = this.#handler.headers?.['content-type'];
    if (typeof ct !== 'string') return 'application/octet-stream';
    const semi = ct.indexOf(';');
    return (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  }

  /** The `charset` parameter of the content type, or null. */
  get charset(): string | null {
    const ct = this.#handler.headers?.['content-type'];
    if (typeof ct !== 'string') return null;
    const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(ct);
    return m === null ? null : (m[1] as string).toLowerCase();
  }

  /** The body as a `StreamReader`: `readline`, `read(n)`, `iterChunked(n)`, `for await` over lines. */
  get content(): StreamReader {
    return this.#handler.reader as StreamReader;
  }

  /** Read the whole body (at most `maxSize` bytes). Cancelling the read closes the connection. */
  async read(options?: ReadOptions): Promise<Buffer> {
    checkOptions('ClientResponse.read()', options, READ_OPTIONS);
    if (this.#body !== undefined) return this.#body;
    const max = readMax(options, this.#maxSize);
    const h = this.#handler;
    try {
      if (max !== null) {
        const cl = h.headers?.['content-length'];
        if (typeof cl === 'string' && Number(cl) > max) throw new ClientResponseTooLargeError(max, Number(cl));
        this.#body = await readBounded(this.content, max);
      } else {
        this.#body = await this.content.read();
      }
    } catch (e) {
      // A read cut short leaves the connection mid-body: it cannot be reused.
      h.abortWire(isCancellation(e) || e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    leaks.unregister(h);
    return this.#body;
  }

  /** Read the body as text, decoded with `encoding` or the response charset (UTF-8 by default). */
  async text(encoding?: string | null, options?: ReadOptions): Promise<string> {
    if (encoding !== undefined && encoding !== null && typeof encoding !== 'string') throw new TypeError(`ClientResponse.text(): encoding must be a string, got ${describe(encoding)}`);
    checkOptions('ClientResponse.text()', options, READ_OPTIONS);
    const body = await this.read(options);
    const enc = encoding ?? this.getEncoding();
    if (enc === 'utf-8' || enc === 'utf8') return body.toString('utf8');
    return new TextDecoder(enc).decode(body);
  }

  /** @internal */
  _setCharsetResolver(resolver: CharsetResolver): void {
    this.#resolver = resolver;
  }

  /**
   * The encoding `text()` uses: the content type's charset when the platform
   * knows it, `utf-8` for JSON, else the session's `fallbackCharsetResolver`
   * (`utf-8` by default), which needs the body read first, as aiohttp.
   */
  getEncoding(): string {
    const cs = this.charset;
    if (cs !== null) {
      const name = encodingName(cs);
      if (name !== null) return name;
    }
    const type = this.contentType;
    if (type === 'application/json' || type === 'application/rdap+json') return 'utf-8';
    if (this.#resolver === null) return 'utf-8';
    if (this.#body === undefined) throw new InvalidStateError('ClientResponse.getEncoding(): the fallback charset resolver needs the body: read it first');
    const picked: unknown = this.#resolver(this, this.#body);
    const name = typeof picked === 'string' ? encodingName(picked) : null;
    if (name === null) throw new TypeError(`ClientResponse.getEncoding(): fallbackCharsetResolver returned ${describe(picked)}, not an encoding the platform knows`);
    return name;
  }

  /** The parsed `Link` header, keyed by `rel` (or the URL when a link has none); each link's `url` resolved against the response URL. */
  get links(): Readonly<Record<string, Link>> {
    const raw = this.#handler.headers?.link;
    return parseLinks(raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw, this.url);
  }

  /** The parsed `Content-Disposition` header, or null without one. */
  get contentDisposition(): ContentDisposition | null {
    const raw = this.#handler.headers?.['content-disposition'];
    return typeof raw === 'string' ? parseContentDisposition(raw) : null;
  }

  /**
   * Read the body as JSON. A content type other than `contentType`
   * (default `application/json`; `null` skips the check) raises `ContentTypeError`, as aiohttp.
   */
  async json<T = unknown>(options?: JsonOptions): Promise<T> {
    checkOptions('ClientResponse.json()', options, JSON_OPTIONS);
    const want = options?.contentType === undefined ? 'application/json' : options.contentType;
    const loads = options?.loads ?? JSON.parse;
    if (typeof loads !== 'function') throw new TypeError(`ClientResponse.json(): loads must be a function, got ${describe(loads)}`);
    if (want !== null) {
      const got = this.contentType;
      if (!(got === want || (want === 'application/json' && /^application\/[\w.+-]*\+json$/.test(got)))) {
        this.release();
        throw new ContentTypeError(this.requestInfo, `Attempt to decode JSON with unexpected mimetype: ${got}`, {
          status: this.status, headers: this._headerRecord, history: this.#history,
        });
      }
    }
    const text = await this.text(null, options?.maxSize === undefined ? undefined : { maxSize: options.maxSize });
    return (text.trim() === '' ? null : loads(text)) as T;
  }

  /** Throw `ClientResponseError` if the status is 400 or more (releasing the body). */
  raiseForStatus(): void {
    if (this.status < 400) return;
    this.release();
    throw new ClientResponseError(this.requestInfo, this.reason, { status: this.status, headers: this._headerRecord, history: this.#history });
  }

  /** Give the connection back without reading the rest of the body. */
  release(): void {
    leaks.unregister(this.#handler);
    this.#handler.release();
  }

  /** True once the body was fully received, released or failed. */
  get closed(): boolean {
    return this.#handler.done;
  }

  /** Same as `release()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  /** Close the connection at once, dropping the rest of the body (aiohttp's `close()`). */
  close(): void {
    leaks.unregister(this.#handler);
    this.#handler.abortWire(new ClientConnectionError('Response closed'));
  }

  /** For logs: `<ClientResponse(url) [200 OK]>`. */
  toString(): string {
    return `<ClientResponse(${this.url.href}) [${this.status} ${this.reason}]>`;
  }

  /** As aiohttp's `repr`: the `toString()` line, then the headers. */
  [inspect.custom](): string {
    const pairs: string[] = [];
    for (const [name, value] of Object.entries(this.#handler.headers ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) pairs.push(`${pyStr(name)}: ${pyStr(v)}`);
    }
    return `${this.toString()}\n<CIMultiDictProxy(${pairs.join(', ')})>`;
  }
}

// A Python str repr, as the header pairs of aiohttp's CIMultiDictProxy show.
function pyStr(s: string): string {
  return `'${s.replace(/[\\']/g, '\\$&')}'`;
}

function readMax(options: ReadOptions | undefined, dflt: number | null): number | null {
  if (options === undefined || options.maxSize === undefined) return dflt;
  if (options.maxSize === null) return null;
  return toInt('ClientResponse.read()', 'maxSize', options.maxSize, 0);
}

async function readBounded(reader: StreamReader, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader.readany();
    if (chunk.length === 0) break;
    size += chunk.length;
    if (size > max) throw new ClientResponseTooLargeError(max, null);
    parts.push(chunk);
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
}
