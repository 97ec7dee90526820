/**
 * Responses, as aiohttp's `web_response`: {@link StreamResponse} for bodies
 * written piece by piece, {@link Response} for a body known up front, and
 * {@link jsonResponse}.
 * @module
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { pipeline, type Transform, type Writable } from 'node:stream';
import { inspect } from 'node:util';
import type { SerializeOptions } from 'cookie';
import { InvalidStateError } from '../core/errors.js';
import { Future } from '../core/future.js';
import { listenWhilePending } from '../core/listen-while-pending.js';
import { suspend } from '../core/suspend.js';
import { describe } from '../core/validate.js';
import { checkStreamed, checkWholeBody, declaredLength, hasFraming } from './framing.js';
import { CIMultiDict, checkHeaderValue, type HeadersInit } from './headers.js';
import type { Request } from './request.js';
import { watchStall } from './send-stall.js';
import { DEL_COOKIE_OPTIONS, setCookieLine } from './set-cookie.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { AVAILABLE_CODINGS, compressAsync, compressSync, createCompressor, isAvailable, type ContentCoding } from './compression/codings.js';
import { decide, type CompressionConfig } from './compression/negotiate.js';
import { compressionOf } from './compression/scope.js';

const STREAM_RESPONSE_OPTIONS = knownOptions('status', 'reason', 'headers');
const RESPONSE_OPTIONS = knownOptions('status', 'reason', 'headers', 'body', 'text', 'contentType', 'charset');
const JSON_RESPONSE_OPTIONS = knownOptions('status', 'reason', 'headers', 'dumps', 'contentType');

/** Options of {@link StreamResponse}. */
export interface StreamResponseOptions {
  /** The status code. @default 200 */
  readonly status?: number;
  /** The reason phrase. @default the standard one */
  readonly reason?: string;
  /** Response headers. */
  readonly headers?: HeadersInit;
}

/** Options of `setCookie`, as aiohttp's (`maxAge` in seconds). */
export type CookieOptions = Omit<SerializeOptions, 'encode'>;

/** Thrown by `write()` when the client went away. */
export class ConnectionResetError extends Error {
  /** A stable code. */
  readonly code = 'AIOTS_ERR_CONNECTION_RESET';
  override readonly name = 'ConnectionResetError';
}

/**
 * A response whose body is written in pieces after `prepare()`, as aiohttp's.
 * @example
 * const resp = new StreamResponse({ headers: { 'Content-Type': 'text/plain' } });
 * await resp.prepare(request);
 * for (const part of parts) await resp.write(part);
 * await resp.writeEof();
 * return resp;
 */
export class StreamResponse {
  #status: number;
  #reason: string | undefined;
  #headers: CIMultiDict | undefined;
  #cookies: Map<string, string> | undefined = undefined;
  #res: ServerResponse | undefined = undefined;
  #eof = false;
  /** @internal Bytes of body written, for the access log. */
  _bodyLength = 0;
  // Neither field below is initialized per response (a store on the hot path
  // for every response that never compresses): the prototype holds their
  // defaults, and only a compressing response gets its own.
  /** @internal What `enableCompression()` asked for, or null (the server checks it before sending). */
  declare _compression: CompressionConfig | null;
  /** @internal With compression: the compressor between write() and the socket, and the end of its pipeline. */
  declare _compressor: { readonly zs: Transform; readonly piped: Future<void> } | undefined;

  constructor(options?: StreamResponseOptions) {
    if (options === undefined) {
      this.#status = 200;
      this.#reason = undefined;
      this.#headers = undefined;
      return;
    }
    if (new.target === StreamResponse) checkOptions('StreamResponse()', options, STREAM_RESPONSE_OPTIONS);
    const { status, reason, headers } = options;
    this.#status = status === undefined ? 200 : checkStatus(new.target, status);
    this.#reason = reason === undefined ? undefined : checkReason(new.target, reason);
    this.#headers = headers === undefined ? undefined : new CIMultiDict(headers);
  }

  /** The status code. */
  get status(): number {
    return this.#status;
  }

  /** The reason phrase, or undefined for the standard one. */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** Change the status (and reason) before the headers are sent. */
  setStatus(status: number, reason?: string): void {
    this.#checkNotPrepared('setStatus()');
    this.#status = checkStatus('setStatus()', status);
    this.#reason = reason === undefined ? undefined : checkReason('setStatus()', reason);
  }

  /** The response headers (mutable until `prepare()`). */
  get headers(): CIMultiDict {
    return (this.#headers ??= new CIMultiDict());
  }

  /** True once the headers were sent. */
  get prepared(): boolean {
    return this.#res !== undefined;
  }

  /** The Content-Type header, or undefined. */
  get contentType(): string | undefined {
    return this.#headers?.get('content-type');
  }

  set contentType(value: string) {
    this.headers.set('Content-Type', value);
  }

  /** The Content-Length header as a number, or null (as aiohttp's `content_length`). */
  get contentLength(): number | null {
    const v = this.#headers?.get('content-length');
    return v === undefined ? null : Number(v);
  }

  /** Set (or, with null, remove) the Content-Length header before `prepare()`. */
  set contentLength(value: number | null) {
    this.#checkNotPrepared('StreamResponse.contentLength');
    if (value === null) {
      this.#headers?.delete('content-length');
      return;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`StreamResponse.contentLength: must be an integer >= 0 or null, got ${describe(value)}`);
    this.headers.set('Content-Length', value);
  }

  /** Set a cookie (`Set-Cookie`), as aiohttp's `set_cookie`. */
  setCookie(name: string, value: string, options?: CookieOptions): void {
    this.#checkNotPrepared('setCookie()');
    (this.#cookies ??= new Map()).set(name, setCookieLine('setCookie()', name, value, options));
  }

  /** Tell the client to drop a cookie (an expired `Set-Cookie`). */
  delCookie(name: string, options?: Pick<CookieOptions, 'path' | 'domain'>): void {
    checkOptions('delCookie()', options, DEL_COOKIE_OPTIONS);
    this.setCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) });
  }

  /**
   * Compress the body (aiohttp's `enable_compression`): with `force`, in that
   * coding whatever the client accepts; otherwise in the best coding the
   * request's `Accept-Encoding` allows (br, zstd where this Node has it,
   * gzip, deflate), or not at all. Decided when the headers are sent, and
   * never for HEAD, 1xx/204/206/304, a `Content-Encoding` or `Content-Range`
   * already set, or `Cache-Control: no-transform`.
   */
  enableCompression(force?: ContentCoding): void {
    this.#checkNotPrepared('enableCompression()');
    if (force === undefined) {
      this._compression = EXPLICIT;
    } else if (force === 'identity') {
      this._compression = null;
    } else if (typeof force === 'string' && isAvailable(force)) {
      this._compression = { force, encodings: AVAILABLE_CODINGS, threshold: 1, checkType: false };
    } else {
      const zstd = force === 'zstd' ? ' (zstd needs Node 22.15+ or 23.8+)' : '';
      throw new TypeError(`enableCompression(): force must be one of ${[...AVAILABLE_CODINGS, 'identity'].join(', ')}${zstd}, got ${describe(force)}`);
    }
  }

  /** Send the status and headers. Called for you when a handler returns the response. */
  async prepare(request: Request): Promise<void> {
    if (this.#res !== undefined) return;
    const res = request._res;
    const config = this._compression ?? compressionOf(res);
    if (config === null) this._sendHead(res, null);
    else this.#startCompression(res, config);
  }

  #startCompression(res: ServerResponse, config: CompressionConfig): void {
    this._compression = null;
    const headers = this.headers;
    const coding = decide(res, this.#status, headers, this.contentType, this.contentLength, config);
    if (coding === null) return this._sendHead(res, null);
    headers.delete('content-length');
    headers.set('Content-Encoding', coding);
    this._sendHead(res, null);
    const zs = createCompressor(coding, null);
    const piped = new Future<void>();
    this._compressor = { zs, piped };
    zs.on('data', (chunk: Buffer) => {
      this._bodyLength += chunk.length;
    });
    // pipeline() ends the response when the compressor ends, and destroys
    // the compressor (freeing zlib's memory) when the client goes away.
    pipeline(zs, res, () => {
      if (!piped.done()) piped.setResult(undefined);
    });
  }

  /** Write a piece of the body; waits while the socket's buffer is full. */
  async write(data: Uint8Array | string): Promise<void> {
    const res = this.#res;
    if (res === undefined) throw new InvalidStateError('StreamResponse.write(): call prepare(request) first');
    if (this.#eof) throw new InvalidStateError('StreamResponse.write(): the response is already finished');
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError(`StreamResponse.write(): data must be a string or Buffer, got ${describe(data)}`);
    if (res.destroyed) throw new ConnectionResetError('Cannot write to closing transport');
    const zs = this._compressor?.zs;
    if (zs !== undefined) {
      if (zs.destroyed) throw new ConnectionResetError('Cannot write to closing transport');
      if (!zs.write(data)) await drain(zs, res);
      return;
    }
    this._bodyLength += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (!res.write(data)) await drain(res, res);
  }

  /**
   * @internal write() of a buffer the caller reuses: `flushed` runs once the
   * socket no longer needs its bytes (with an error if they were dropped). No
   * compression (FileResponse refuses it).
   */
  async _writeFlushed(data: Buffer, flushed: (err?: Error | null) => void): Promise<void> {
    const res = this.#res;
    if (res === undefined) throw new InvalidStateError('StreamResponse.write(): call prepare(request) first');
    if (this.#eof) throw new InvalidStateError('StreamResponse.write(): the response is already finished');
    if (res.destroyed) throw new ConnectionResetError('Cannot write to closing transport');
    this._bodyLength += data.length;
    if (!res.write(data, flushed)) await drain(res, res);
  }

  /** Finish the body (after writing `data`, if given). With compression, waits until the compressor has flushed. */
  async writeEof(data?: Uint8Array | string): Promise<void> {
    if (this.#eof) return;
    const res = this.#res;
    if (res === undefined) throw new InvalidStateError('StreamResponse.writeEof(): call prepare(request) first');
    this.#eof = true;
    const compressor = this._compressor;
    if (compressor !== undefined) {
      if (data === undefined) compressor.zs.end();
      else compressor.zs.end(data);
      await suspend(compressor.piped, undefined);
      return;
    }
    if (data !== undefined) this._bodyLength += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (data === undefined) res.end();
    else res.end(data);
  }

  /** @internal The handler returned without writeEof(): end the body. */
  _endBody(res: ServerResponse): void {
    this.#eof = true;
    const compressor = this._compressor;
    if (compressor === undefined) res.end();
    else compressor.zs.end();
  }

  /** @internal The server's path when compression was asked for: nothing to compress without a body. */
  async _sendAsync(res: ServerResponse): Promise<void> {
    this._compression = null;
    this._send(res);
  }

  /** @internal The Node response once prepared. */
  _resIfPrepared(): ServerResponse | undefined {
    return this.#res;
  }

  /** @internal The headers map if one was made. */
  _headersIfAny(): CIMultiDict | undefined {
    return this.#headers;
  }

  /** @internal The `Set-Cookie` values set so far. */
  _cookieLines(): Iterable<string> {
    return this.#cookies?.values() ?? [];
  }

  /** @internal */
  _markEof(): void {
    this.#eof = true;
  }

  /** @internal True once the body is finished. */
  get _eof(): boolean {
    return this.#eof;
  }

  /** @internal Send the whole response (headers and body) in one go. */
  _send(res: ServerResponse): void {
    const headers = this.#headers;
    if (headers !== undefined && hasFraming(headers)) {
      // Returned without prepare(): no body follows, so a length must be 0 unless nothing may follow anyway.
      const declared = declaredLength('StreamResponse', headers);
      if (declared > 0 && !bodiless(this.#status, res)) {
        throw new RangeError(`StreamResponse: the Content-Length header says ${declared} bytes but the handler returned it without writing a body; call prepare() and write() it`);
      }
    }
    this._sendHead(res, null);
    this.#eof = true;
    res.end();
  }

  /** @internal Write the status line and headers once; `extra` are precomputed pairs (null for a streamed body). */
  _sendHead(res: ServerResponse, extra: string[] | null): void {
    if (this.#res !== undefined) throw new InvalidStateError('the response was already prepared');
    const headers = this.#headers;
    if (extra === null && headers !== undefined && hasFraming(headers) && checkStreamed('StreamResponse.prepare()', headers) !== -1) {
      // Node then refuses a write past the length, and an end short of it, instead of desynchronizing the connection.
      res.strictContentLength = true;
    }
    this.#res = res;
    const flat = extra ?? [];
    this.#headers?._flatten(flat);
    const cookies = this.#cookies;
    if (cookies !== undefined) for (const c of cookies.values()) flat.push('Set-Cookie', c);
    if (this.#reason === undefined) res.writeHead(this.#status, flat);
    else res.writeHead(this.#status, this.#reason, flat);
  }

  /** As aiohttp's `repr`: `<Response OK not prepared>`, `<StreamResponse OK GET /path >`, `<Response OK eof>`. */
  [inspect.custom](): string {
    const reason = this.#reason ?? STATUS_CODES[this.#status] ?? '';
    const res = this.#res;
    let info: string;
    if (this.#eof) info = 'eof';
    else if (res !== undefined) info = `${res.req.method ?? ''} ${pathOf(res.req.url ?? '')} `;
    else info = 'not prepared';
    return `<${this.constructor.name} ${reason} ${info}>`;
  }

  #checkNotPrepared(where: string): void {
    if (this.#res !== undefined) throw new InvalidStateError(`${where}: the headers were already sent`);
  }
}

StreamResponse.prototype._compression = null;
StreamResponse.prototype._compressor = undefined;

/** The decoded path of a request target, for display. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Options of {@link Response}. */
export interface ResponseOptions extends StreamResponseOptions {
  /** The body as bytes (a string is sent as UTF-8). Default type application/octet-stream. */
  readonly body?: Uint8Array | string | null;
  /** The body as text. Default type text/plain; charset=utf-8. */
  readonly text?: string;
  /** The Content-Type (without charset). */
  readonly contentType?: string;
  /** The charset appended to the Content-Type of `text`. @default 'utf-8' */
  readonly charset?: string;
}

const NO_BODY_STATUS = new Set([204, 304]);

// enableCompression() without force: negotiate, any type, any size but empty.
const EXPLICIT: CompressionConfig = { force: null, encodings: AVAILABLE_CODINGS, threshold: 1, checkType: false };
// Bodies up to this size are compressed on the loop's thread: below it, the
// hop to the threadpool and back costs more than the compression.
const SYNC_MAX = 32 * 1024;

// Handlers send the same few types over and over: the full header value is
// kept per type so that each response does not build (and Node does not
// re-check) a new string.
const textTypes = new Map<string, Map<string, string>>();

function textType(type: string, charset: string): string {
  let byCharset = textTypes.get(type);
  if (byCharset === undefined) {
    if (textTypes.size >= 64) textTypes.clear();
    textTypes.set(type, (byCharset = new Map<string, string>()));
  }
  let value = byCharset.get(charset);
  if (value === undefined) {
    value = `${type}; charset=${charset}`;
    checkHeaderValue('Response()', 'the Content-Type from contentType and charset', value);
    if (byCharset.size >= 16) byCharset.clear();
    byCharset.set(charset, value);
  }
  return value;
}

/** The body's length in bytes, or null when there is none (or it is empty). */
function bodyLength(body: Uint8Array | string | null): number | null {
  if (body === null) return null;
  const n = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  return n === 0 ? null : n;
}

/** True when nothing may follow the head: HEAD, 1xx, 204, 304. */
function bodiless(status: number, res: ServerResponse): boolean {
  return status < 200 || status === 204 || status === 304 || res.req.method === 'HEAD';
}

function contentTypeOf(type: string, charset: string | undefined): string {
  const value = charset === undefined ? type : `${type}; charset=${charset}`;
  checkHeaderValue('Response()', 'the Content-Type from contentType and charset', value);
  return value;
}

/**
 * A response with its whole body known, as aiohttp's `web.Response`.
 * @example
 * return new Response({ text: '<h1>hi</h1>', contentType: 'text/html' });
 */
export class Response extends StreamResponse {
  #body: Uint8Array | string | null;
  #contentType: string | null;

  constructor(options?: ResponseOptions) {
    super(options);
    if (options !== undefined) checkOptions('Response()', options, RESPONSE_OPTIONS);
    const body = options?.body;
    const text = options?.text;
    const ct = options?.contentType;
    const charset = options?.charset;
    if (body !== undefined && body !== null && text !== undefined) throw new TypeError('Response(): pass body or text, not both');
    if (ct !== undefined && typeof ct !== 'string') throw new TypeError(`Response(): contentType must be a string, got ${describe(ct)}`);
    if (charset !== undefined && typeof charset !== 'string') throw new TypeError(`Response(): charset must be a string, got ${describe(charset)}`);
    if (text !== undefined) {
      if (typeof text !== 'string') throw new TypeError(`Response(): text must be a string, got ${describe(text)}`);
      this.#body = text;
      this.#contentType = textType(ct ?? 'text/plain', charset ?? 'utf-8');
    } else if (body !== undefined && body !== null) {
      if (typeof body !== 'string' && !(body instanceof Uint8Array)) throw new TypeError(`Response(): body must be a Buffer, Uint8Array or string, got ${describe(body)}`);
      this.#body = body;
      this.#contentType = ct === undefined ? 'application/octet-stream' : contentTypeOf(ct, charset);
    } else {
      this.#body = null;
      this.#contentType = ct === undefined ? null : contentTypeOf(ct, charset);
    }
    const headers = this._headersIfAny();
    if (headers !== undefined && hasFraming(headers)) checkWholeBody('Response()', headers, bodyLength(this.#body));
  }

  /** The body, or null. */
  get body(): Uint8Array | string | null {
    return this.#body;
  }

  set body(value: Uint8Array | string | null) {
    if (this.prepared) throw new InvalidStateError('Response.body: the response was already sent');
    if (value !== null && typeof value !== 'string' && !(value instanceof Uint8Array)) throw new TypeError(`Response.body: must be a Buffer, Uint8Array, string or null, got ${describe(value)}`);
    this.#body = value;
  }

  /** The body as text, or null. */
  get text(): string | null {
    const b = this.#body;
    return b === null ? null : typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  }

  /**
   * Replace the body with text before the response is sent. As aiohttp's
   * setter: a missing or `application/octet-stream` type becomes
   * `text/plain`, and a type without a charset gets `charset=utf-8`.
   */
  set text(value: string) {
    if (this.prepared) throw new InvalidStateError('Response.text: the response was already sent');
    if (typeof value !== 'string') throw new TypeError(`Response.text: must be a string, got ${describe(value)}`);
    const ct = this.#contentType;
    if (ct === null || ct === 'application/octet-stream') this.#contentType = textType('text/plain', 'utf-8');
    else if (!/;\s*charset=/i.test(ct)) this.#contentType = contentTypeOf(ct, 'utf-8');
    this.#body = value;
  }

  /** The body's length in bytes (or the Content-Length header's value when one was set). */
  override get contentLength(): number | null {
    const declared = super.contentLength;
    if (declared !== null) return declared;
    const b = this.#body;
    return b === null ? 0 : typeof b === 'string' ? Buffer.byteLength(b) : b.length;
  }

  /** Refused, as in aiohttp: a Response's length follows its body. */
  override set contentLength(_value: number | null) {
    throw new InvalidStateError('Response.contentLength: the length is set from the body (use StreamResponse to set it by hand)');
  }

  override get contentType(): string | undefined {
    return super.contentType ?? this.#contentType ?? undefined;
  }

  override set contentType(value: string) {
    super.contentType = value;
  }

  override async prepare(request: Request): Promise<void> {
    if (this.prepared) return;
    const res = request._res;
    const config = this._compression ?? compressionOf(res);
    if (config !== null) {
      await this.#compressBody(res, config);
      if (this.prepared) return;
    }
    this._send(res);
  }

  /** @internal The server's path when compression was asked for. */
  override async _sendAsync(res: ServerResponse): Promise<void> {
    await this.#compressBody(res, this._compression as CompressionConfig);
    // The client left while a large body was being compressed.
    if (res.destroyed) return this._markEof();
    this._send(res);
  }

  /** Replace the body with its compressed bytes, when the request and the response allow. */
  async #compressBody(res: ServerResponse, config: CompressionConfig): Promise<void> {
    this._compression = null;
    const body = this.#body;
    if (body === null) return;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const headers = this.headers;
    const coding = decide(res, this.status, headers, this.contentType, bytes.length, config);
    if (coding === null) return;
    const out = bytes.length <= SYNC_MAX ? compressSync(coding, bytes) : await compressAsync(coding, bytes);
    // Any Content-Length given was the uncompressed body's.
    headers.delete('content-length');
    headers.set('Content-Encoding', coding);
    this.#body = out;
  }

  override async write(_data: Uint8Array | string): Promise<void> {
    throw new InvalidStateError('Response.write(): a Response sends its body at once; use StreamResponse to write in pieces');
  }

  /** @internal The hot path: one writeHead, one end. */
  override _send(res: ServerResponse): void {
    const body = this.#body;
    const head: string[] = [];
    const custom = this._headersIfAny();
    if (this.#contentType !== null && (custom === undefined || !custom.has('content-type'))) head.push('Content-Type', this.#contentType);
    const own = custom === undefined || !hasFraming(custom) || this.#userFraming(custom, res);
    if (body === null) {
      if (own && !NO_BODY_STATUS.has(this.status)) head.push('Content-Length', '0');
      this._sendHead(res, head);
      res.end();
    } else {
      const len = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      if (own) head.push('Content-Length', String(len));
      this._bodyLength = len;
      this._sendHead(res, head);
      // Node sends a head with a string body as one UTF-8 string, so a Latin-1
      // header value (é as 0xE9) would go out as two bytes; with bytes it goes as one.
      res.end(typeof body === 'string' && custom !== undefined && custom._hasObsText() ? Buffer.from(body) : body);
      // More than the socket takes at once: what a client that never reads would hold.
      if (len > STALL_WATCH_MIN) unwatchOnEnd(res);
    }
    this._markEof();
  }

  /**
   * The user passed framing headers: leave one Content-Length (theirs when it
   * is right) and no Transfer-Encoding. Returns true when aiots should add
   * its own Content-Length.
   */
  #userFraming(headers: CIMultiDict, res: ServerResponse): boolean {
    const status = this.status;
    checkWholeBody('Response', headers, bodyLength(this.#body));
    // The body is sent whole, with a length: a chunked coding from upstream no longer applies.
    headers.delete('transfer-encoding');
    const declared = declaredLength('Response', headers);
    if (declared === -1) return true;
    if (status < 200 || status === 204) {
      // RFC 9110 §8.6: no Content-Length on these.
      headers.delete('content-length');
      return false;
    }
    if (declared !== 0 && bodyLength(this.#body) === null && !bodiless(status, res)) {
      throw new RangeError(`Response: the Content-Length header says ${declared} bytes but there is no body (only a HEAD or 304 answer may declare a length without one)`);
    }
    headers.set('Content-Length', declared);
    return false;
  }
}

/** Options of {@link jsonResponse}. */
export interface JsonResponseOptions extends StreamResponseOptions {
  /** The serializer. @default JSON.stringify */
  readonly dumps?: (data: unknown) => string;
  /** @default 'application/json' */
  readonly contentType?: string;
}

const NO_OPTIONS: JsonResponseOptions = {};

/**
 * A JSON response, as aiohttp's `json_response`.
 * @example
 * return jsonResponse({ ok: true }, { status: 201 });
 */
export function jsonResponse(data: unknown, options?: JsonResponseOptions): Response {
  checkOptions('jsonResponse()', options, JSON_RESPONSE_OPTIONS);
  const { dumps = JSON.stringify, ...rest } = options ?? NO_OPTIONS;
  if (typeof dumps !== 'function') throw new TypeError(`jsonResponse(): dumps must be a function, got ${describe(dumps)}`);
  const text = dumps(data);
  if (typeof text !== 'string') throw new TypeError('jsonResponse(): dumps must return a string (JSON.stringify returns undefined for undefined and functions)');
  return new Response({ ...rest, text, contentType: rest.contentType ?? 'application/json' });
}

// `where` is a class (named in the message) or a method name: the message is
// built only when it is thrown, never per response.
function place(where: string | { readonly name: string }): string {
  return typeof where === 'string' ? where : `${where.name}()`;
}

function checkStatus(where: string | { readonly name: string }, status: unknown): number {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`${place(where)}: status must be an integer from 100 to 999, got ${describe(status)}`);
  }
  return status;
}

function checkReason(where: string | { readonly name: string }, reason: unknown): string {
  if (typeof reason !== 'string') throw new TypeError(`${place(where)}: reason must be a string, got ${describe(reason)}`);
  checkHeaderValue(place(where), 'reason', reason);
  return reason;
}

/** Above this a whole body may wait on the client (a socket's buffer takes 16 KiB to 64 KiB at once). */
const STALL_WATCH_MIN = 65536;

/** Watch `res`'s connection for a stalled send until the body is flushed or the connection closes. */
function unwatchOnEnd(res: ServerResponse): void {
  if (res.writableFinished) return;
  const unwatch = watchStall(res.socket);
  const done = (): void => {
    unwatch();
    res.off('finish', done);
    res.off('close', done);
  };
  res.on('finish', done);
  res.on('close', done);
}

/** Wait for `stream` to drain; past the send deadline with no byte taken, the connection of `res` is closed (send-stall.ts). */
function drain(stream: Writable, res: ServerResponse): Promise<void> {
  const fut = new Future<void>();
  fut.addDoneCallback(watchStall(res.socket));
  // Both listeners go when fut settles, cancelled included (see listenWhilePending).
  listenWhilePending(fut, stream)
    .on('drain', () => {
      if (!fut.done()) fut.setResult(undefined);
    })
    .on('close', () => {
      if (!fut.done()) fut.setException(new ConnectionResetError('Connection lost while writing'));
    });
  return suspend(fut, undefined);
}
