/**
 * `BodyPartReader`: one part of a multipart body, as aiohttp's. Its bytes are
 * read from the request only as the handler asks for them.
 * @module
 */
import type { Readable } from 'node:stream';
import { HTTPBadRequest } from '../exceptions.js';
import { RequestHeaders } from '../headers.js';
import { toRequestHeaders, type RawPartHeaders } from './part-headers.js';
import type { MultipartReader } from './reader.js';

const EMPTY = Buffer.alloc(0);
/** aiohttp's default `read_chunk()` size. */
const CHUNK = 8192;

/** @internal What busboy says of a part. */
export interface PartInfo {
  readonly name: string;
  readonly filename: string | undefined;
  readonly mimeType: string;
  readonly encoding: string;
  /** The part's headers as sent, when busboy's parser could be watched. */
  readonly headers: RawPartHeaders | null;
}

/**
 * One part of a multipart body. Read it once, by chunks (`readChunk()`,
 * `for await`) or whole (`read()`, `text()`, `json()`, `form()`); moving to
 * the next part skips what is left of this one.
 * @example
 * for await (const part of await request.multipart()) {
 *   if (part instanceof web.BodyPartReader && part.filename !== null) await pipeline(part, fs.createWriteStream(dest));
 * }
 */
export class BodyPartReader implements AsyncIterable<Buffer> {
  /** The form field name (`name=` of Content-Disposition), or null. */
  readonly name: string | null;
  /** The file name sent (`filename=`, or `filename*=` decoded), or null for a plain field. */
  readonly filename: string | null;
  /** The part's media type, lower case. @default 'text/plain' */
  readonly contentType: string;
  /** The part's headers, as sent. */
  readonly headers: RequestHeaders;
  readonly #reader: MultipartReader;
  readonly #stream: Readable | null;
  readonly #chunks: Buffer[] = [];
  #ended: boolean;
  #released = false;
  #error: unknown = undefined;

  /** @internal */
  constructor(reader: MultipartReader, info: PartInfo, stream: Readable | null, value: Buffer | null) {
    this.#reader = reader;
    this.name = info.name === '' ? null : info.name;
    this.filename = info.filename ?? null;
    this.contentType = info.mimeType.toLowerCase();
    this.headers = info.headers === null ? partHeaders(info) : toRequestHeaders(info.headers);
    this.#stream = stream;
    if (stream === null) {
      this.#ended = true;
      if (value !== null && value.length > 0) this.#chunks.push(value);
      return;
    }
    this.#ended = false;
    // The listeners live as long as the part: busboy's stream is private to it.
    stream.on('data', (c: Buffer) => {
      if (!this.#released) this.#chunks.push(c);
      reader._notify();
    });
    stream.on('end', () => {
      this.#ended = true;
      reader._notify();
    });
    stream.on('error', (e: Error) => {
      this.#error ??= new HTTPBadRequest({ text: `Malformed multipart body: ${e.message}` });
      reader._notify();
    });
  }

  /** @internal Data or its end is on its way from busboy (delivered on a later tick). */
  _pending(): boolean {
    const s = this.#stream;
    if (s === null || this.#ended) return false;
    return s.readableLength > 0 || (s as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
  }

  /** True once every byte of the part was read. */
  atEof(): boolean {
    return this.#ended && this.#chunks.length === 0;
  }

  /**
   * Up to `size` bytes of the part; an empty Buffer at its end, as aiohttp's
   * `read_chunk()`.
   * @param size - the most bytes returned. @default 8192
   */
  async readChunk(size: number = CHUNK): Promise<Buffer> {
    if (!(size > 0)) throw new RangeError(`BodyPartReader.readChunk(): size must be > 0, got ${size}`);
    for (;;) {
      const chunks = this.#chunks;
      const head = chunks[0];
      if (head !== undefined) {
        if (head.length <= size) {
          chunks.shift();
          return head;
        }
        chunks[0] = head.subarray(size);
        return head.subarray(0, size);
      }
      if (this.#ended) return EMPTY;
      if (this.#error !== undefined) throw this.#error;
      await this.#reader._step(this);
    }
  }

  /** The whole part (no size limit beyond `limits.fileSize`/`fieldSize`: use `readChunk()` for large files). */
  async read(): Promise<Buffer> {
    const out: Buffer[] = [];
    let n = 0;
    for (;;) {
      const c = await this.readChunk(Infinity);
      if (c.length === 0) break;
      out.push(c);
      n += c.length;
    }
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, n);
  }

  /** The part as text, in `encoding` (the part's charset, else UTF-8). */
  async text(options?: { readonly encoding?: string }): Promise<string> {
    const body = await this.read();
    const cs = options?.encoding ?? this.#charset() ?? 'utf-8';
    try {
      return new TextDecoder(cs).decode(body);
    } catch {
      throw new HTTPBadRequest({ text: `Unsupported charset ${cs} in a multipart part` });
    }
  }

  /** The part parsed as JSON; null for an empty part, as aiohttp; `HTTPBadRequest` when invalid. */
  async json<T = unknown>(): Promise<T | null> {
    const text = await this.text();
    if (text === '') return null;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new HTTPBadRequest({ text: `Invalid JSON in multipart part ${JSON.stringify(this.name)}: ${(e as Error).message}` });
    }
  }

  /** The part parsed as an urlencoded form. */
  async form(): Promise<URLSearchParams> {
    return new URLSearchParams(await this.text());
  }

  /** Skip the rest of the part (read and drop it). */
  async release(): Promise<void> {
    this._drop();
    while (!this.#ended && this.#error === undefined) await this.#reader._step(this);
  }

  /** @internal Drop what is buffered and what is still to come. */
  _drop(): void {
    this.#released = true;
    this.#chunks.length = 0;
  }

  /** The part's chunks as they arrive. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const c = await this.readChunk(Infinity);
      if (c.length === 0) return;
      yield c;
    }
  }

  #charset(): string | undefined {
    const ct = this.headers.get('content-type');
    const m = ct === undefined ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(ct);
    return m === null ? undefined : m[1];
  }
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`;
}

// Rebuilt from busboy's event, should its parser not be watchable.
function partHeaders(info: PartInfo): RequestHeaders {
  let disp = `form-data; name=${quote(info.name)}`;
  if (info.filename !== undefined) disp += `; filename=${quote(info.filename)}`;
  const dict: NodeJS.Dict<string> = { 'content-disposition': disp, 'content-type': info.mimeType };
  const raw = ['Content-Disposition', disp, 'Content-Type', info.mimeType];
  if (info.encoding !== '7bit') {
    dict['content-transfer-encoding'] = info.encoding;
    raw.push('Content-Transfer-Encoding', info.encoding);
  }
  return new RequestHeaders(dict, raw);
}
