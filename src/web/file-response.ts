/**
 * `FileResponse`, as aiohttp's: a file streamed from disk in chunks, with
 * validators, conditional requests, byte ranges and pre-compressed siblings.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { lookup } from 'mime-types';
import { resumed } from '../core/suspend.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { describe } from '../core/validate.js';
import { parseRange, type ByteRange } from './byte-ranges.js';
import { evaluatePreconditions, ifRangeHolds, type Validators } from './conditional.js';
import { closeFd, FileError, openForSending, readAt, type FileStat, type OpenFile } from './file-open.js';
import type { HeadersInit } from './headers.js';
import type { Request } from './request.js';
import { StreamResponse } from './response.js';

const FILE_RESPONSE_OPTIONS = knownOptions('chunkSize', 'status', 'reason', 'headers');
const DEFAULT_CHUNK_SIZE = 256 * 1024;
// Chunk buffers of DEFAULT_CHUNK_SIZE the socket is done with, kept for the next file:
// a fresh 256 KiB buffer per chunk made V8 collect garbage every few dozen 1 MiB requests.
const POOL_MAX = 8;
const pool: Buffer[] = [];
const FALLBACK_CONTENT_TYPE = 'application/octet-stream';
// Headers the response computes from the file: one the caller set would contradict the body.
const OWNED = ['content-length', 'transfer-encoding', 'content-range', 'content-encoding', 'accept-ranges', 'etag', 'last-modified'] as const;

/** Options of {@link FileResponse}. */
export interface FileResponseOptions {
  /** Bytes read from disk and written per step. @default 262144 (256 KiB, as aiohttp) */
  readonly chunkSize?: number;
  /** The status of a full (non-range) answer. @default 200 */
  readonly status?: number;
  /** The reason phrase. @default the standard one */
  readonly reason?: string;
  /** More response headers; a Content-Type given here wins over the guessed one. */
  readonly headers?: HeadersInit;
}

/**
 * Send a file, as aiohttp's `web.FileResponse`: return it from a handler.
 * The file is read in `chunkSize` pieces as the client takes them (never
 * whole into memory). Sent with `Content-Type` (from the name),
 * `Last-Modified`, `ETag` (`"<mtime ns hex>-<size hex>"`, as aiohttp) and
 * `Accept-Ranges: bytes`; answers `Range` (206, `multipart/byteranges` for
 * several, 416), the `If-*` preconditions (304, 412) and HEAD. A missing
 * file is a 404 and an unreadable one a 403 (with an empty body, as
 * aiohttp). When the client accepts it, `name.br` or `name.gz` beside the
 * file is sent instead with `Content-Encoding` and `Vary: Accept-Encoding`.
 * @example
 * app.router.addGet('/report', () => new web.FileResponse('/srv/report.pdf'));
 */
export class FileResponse extends StreamResponse {
  /** The path of the file. */
  readonly path: string;
  readonly #chunkSize: number;
  /** @internal A stat of `path` made just before (by a static route). */
  _known: FileStat | null = null;

  /**
   * Not for files: a `Content-Length` and byte ranges are taken from the file
   * on disk. Serve a pre-compressed `name.br`/`name.gz` beside it instead
   * (picked by `Accept-Encoding`), or compress a `StreamResponse`.
   */
  override enableCompression(): never {
    throw new TypeError('FileResponse.enableCompression(): files are not compressed on the fly; put a pre-compressed name.br or name.gz beside the file (served by Accept-Encoding), or write the file through a StreamResponse');
  }

  constructor(path: string, options?: FileResponseOptions) {
    checkOptions('FileResponse()', options, FILE_RESPONSE_OPTIONS);
    if (typeof path !== 'string' || path === '') throw new TypeError(`FileResponse(): path must be a non-empty string, got ${describe(path)}`);
    const chunkSize = options?.chunkSize;
    if (chunkSize !== undefined && (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize) || chunkSize <= 0)) {
      throw new RangeError(`FileResponse(): chunkSize must be a positive integer, got ${describe(chunkSize)}`);
    }
    super(options === undefined ? undefined : { ...(options.status === undefined ? {} : { status: options.status }), ...(options.reason === undefined ? {} : { reason: options.reason }), ...(options.headers === undefined ? {} : { headers: options.headers }) });
    this.path = path;
    this.#chunkSize = chunkSize ?? DEFAULT_CHUNK_SIZE;
  }

  /**
   * Send the whole response: status, headers and the file. Called for you
   * when a handler returns the response; as aiohttp's, it sends everything.
   */
  override async prepare(request: Request): Promise<void> {
    if (this.prepared) return;
    const res = request._res;
    const headers = request.headers;
    let file: OpenFile;
    try {
      file = await openForSending(this.path, headers.get('accept-encoding')?.toLowerCase() ?? '', this._known);
    } catch (e) {
      if (!(e instanceof FileError)) throw e;
      return this.#sendEmpty(res, e.status, null);
    }
    try {
      resumed();
      await this.#sendOpen(request, res, file);
    } finally {
      closeFd(file.fd);
    }
  }

  async #sendOpen(request: Request, res: ServerResponse, file: OpenFile): Promise<void> {
    const size = file.size;
    const seconds = Number(file.mtimeNs / 1_000_000_000n);
    const validators: Validators = { etag: `"${file.mtimeNs.toString(16)}-${size.toString(16)}"`, lastModified: seconds };
    const lastModified = new Date(seconds * 1000).toUTCString();
    const userHeaders = this._headersIfAny();
    if (userHeaders !== undefined) for (const name of OWNED) userHeaders.delete(name);
    const headers = request.headers;
    const method = request.method;
    const extra = ['Last-Modified', lastModified, 'ETag', validators.etag];
    if (file.encoding !== null) extra.push('Content-Encoding', file.encoding, 'Vary', 'Accept-Encoding');
    const pre = evaluatePreconditions(method, headers, validators);
    if (pre === 'failed') return this.#sendEmpty(res, 412, null);
    if (pre === 'not-modified') {
      this.setStatus(304);
      this._sendHead(res, extra);
      return this.writeEof();
    }
    const contentType = userHeaders?.get('content-type') ?? (lookup(this.path) || FALLBACK_CONTENT_TYPE);
    extra.push('Accept-Ranges', 'bytes');
    const rangeHeader = headers.get('range');
    let ranges: ByteRange[] | 'unsatisfiable' | null = null;
    if (rangeHeader !== undefined && (method === 'GET' || method === 'HEAD') && ifRangeHolds(headers.get('if-range'), validators)) {
      ranges = parseRange(rangeHeader, size);
    }
    if (ranges === 'unsatisfiable') return this.#sendEmpty(res, 416, ['Content-Range', `bytes */${size}`]);
    const bodiless = method === 'HEAD';
    if (ranges === null || ranges.length === 1) {
      if (userHeaders?.has('content-type') !== true) extra.push('Content-Type', contentType);
      let start = 0;
      let count = size;
      if (ranges !== null) {
        const r = ranges[0] as ByteRange;
        start = r.start;
        count = r.end - r.start + 1;
        this.setStatus(206);
        extra.push('Content-Range', `bytes ${r.start}-${r.end}/${size}`);
      }
      extra.push('Content-Length', String(count));
      if (bodiless || count === 0) {
        this._sendHead(res, extra);
        return this.writeEof();
      }
      if (count <= this.#chunkSize) {
        // One read, then head and body in one write.
        const buf = Buffer.allocUnsafe(count);
        await this.#fill(file.fd, buf, start);
        this._sendHead(res, extra);
        return this.writeEof(buf);
      }
      this._sendHead(res, extra);
      await this.#stream(file.fd, start, count);
      return this.writeEof();
    }
    await this.#sendRanges(res, file.fd, ranges, size, contentType, extra, bodiless);
  }

  /** `multipart/byteranges` (RFC 9110 §14.6), its length worked out before the head. */
  async #sendRanges(res: ServerResponse, fd: number, ranges: readonly ByteRange[], size: number, contentType: string, extra: string[], bodiless: boolean): Promise<void> {
    const boundary = randomBytes(12).toString('hex');
    const heads: string[] = [];
    let length = 0;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i] as ByteRange;
      const head = `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`;
      heads.push(head);
      length += head.length + r.end - r.start + 1;
    }
    const tail = `\r\n--${boundary}--\r\n`;
    length += tail.length;
    this.setStatus(206);
    // The caller's Content-Type names the file's type, given in each part.
    this._headersIfAny()?.delete('content-type');
    extra.push('Content-Type', `multipart/byteranges; boundary=${boundary}`, 'Content-Length', String(length));
    this._sendHead(res, extra);
    if (bodiless) return this.writeEof();
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i] as ByteRange;
      await this.write(heads[i] as string);
      await this.#stream(fd, r.start, r.end - r.start + 1);
    }
    return this.writeEof(tail);
  }

  /** Write `count` bytes from `start`, a chunk at a time, waiting while the client's buffer is full. */
  async #stream(fd: number, start: number, count: number): Promise<void> {
    const chunkSize = this.#chunkSize;
    let pos = start;
    let left = count;
    const pooled = chunkSize === DEFAULT_CHUNK_SIZE;
    while (left > 0) {
      const n = Math.min(chunkSize, left);
      if (!pooled) {
        const buf = Buffer.allocUnsafe(n);
        await this.#fill(fd, buf, pos);
        pos += n;
        left -= n;
        await this.write(buf);
        continue;
      }
      // A buffer goes back to the pool only once the socket has flushed it, never while it still holds the bytes.
      const whole = pool.pop() ?? Buffer.allocUnsafeSlow(chunkSize);
      const buf = n === chunkSize ? whole : whole.subarray(0, n);
      await this.#fill(fd, buf, pos);
      pos += n;
      left -= n;
      await this._writeFlushed(buf, (err) => {
        if (err == null && pool.length < POOL_MAX) pool.push(whole);
      });
    }
  }

  /**
   * Fill `buf` from `position`. A file that got shorter than the length
   * already promised is an error: the server then answers 500 if the head
   * is not out yet, else closes the connection (never a wrong length).
   */
  async #fill(fd: number, buf: Buffer, position: number): Promise<void> {
    let got = 0;
    while (got < buf.length) {
      const n = await readAt(fd, buf, got, buf.length - got, position + got);
      resumed();
      if (n === 0) throw new Error(`FileResponse: ${this.path} got shorter while it was being sent`);
      got += n;
    }
  }

  /** A status with no body (404, 403, 412, 416), as aiohttp's. */
  #sendEmpty(res: ServerResponse, status: number, extra: string[] | null): Promise<void> {
    const userHeaders = this._headersIfAny();
    if (userHeaders !== undefined) for (const name of OWNED) userHeaders.delete(name);
    this.setStatus(status);
    const pairs = extra ?? [];
    pairs.push('Content-Length', '0');
    this._sendHead(res, pairs);
    return this.writeEof();
  }
}
