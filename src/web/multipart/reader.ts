/**
 * `MultipartReader`, as aiohttp's: `await reader.next()` gives each part of a
 * multipart/form-data body in turn, then null; a part that is itself
 * multipart (multipart/mixed, as HTML 4 sent several files under one name)
 * comes as a `MultipartReader` of its own, as aiohttp's. Parsing is busboy's,
 * a nested part's by a busboy of its own fed from the outer part; the body
 * is read from `request.content` only when a part needs more bytes, so a
 * handler that writes each chunk to disk before asking for the next holds
 * one chunk in memory however large the upload.
 * @module
 */
import type { Readable } from 'node:stream';
import busboy, { type Busboy } from 'busboy';
import { isCancellation } from '../../core/errors.js';
import { Future } from '../../core/future.js';
import type { StreamReader } from '../../core/streams/stream-reader.js';
import { suspend } from '../../core/suspend.js';
import { HTTPBadRequest, HTTPRequestEntityTooLarge } from '../exceptions.js';
import type { RequestHeaders } from '../headers.js';
import { BodyPartReader } from './body-part.js';
import type { ResolvedLimits } from './options.js';
import { hookPartHeaders, toRequestHeaders, type RawPartHeaders } from './part-headers.js';

/** @internal Who is told when the rest of the body will not be read (the connection must then close). */
export interface BodyOwner {
  _bodyRefused: boolean;
}

/** @internal Where a reader's bytes come from: `request.content`, or the outer part of a nested reader. */
export interface ChunkSource {
  /** The next chunk, empty at the end. */
  _readChunk(): Promise<Buffer>;
}

/** @internal What a nested reader shares with the readers around it. */
interface Nesting {
  /** 0 for the body, 1 for a multipart part inside it, and so on. */
  readonly depth: number;
  /** Parts counted so far across every level, against `limits.parts`. */
  readonly count: { n: number };
  /** The outer part the nested reader's bytes come from. */
  readonly source: BodyPartReader | null;
}

const HWM = 64 * 1024;
/**
 * Most levels of multipart inside multipart. HTML 4's multi-file fields use
 * one; aiohttp sets no bound, but each level here holds a parser of its own.
 */
export const MAX_MULTIPART_DEPTH = 8;
const MULTIPART_TYPE = /^\s*multipart\/[^\s;]+/i;
const MEDIA_TYPE = /^\s*([^\s;/]+\/[^\s;]+)/;

/** A part's media type, lower case, from its headers as sent (else busboy's). */
function mediaType(sent: RawPartHeaders | null, busboys: string): string {
  if (sent === null) return busboys;
  const m = MEDIA_TYPE.exec(sent['content-type']?.[0] ?? '');
  return m === null ? 'text/plain' : (m[1] as string).toLowerCase();
}

/**
 * Reads a multipart body part by part (`request.multipart()` makes one). A
 * part that is itself multipart comes as a nested `MultipartReader`.
 * @example
 * const reader = await request.multipart();
 * for (let part = await reader.next(); part !== null; part = await reader.next()) {
 *   if (part instanceof web.MultipartReader) continue; // nested: read it as this one
 *   if (part.filename === null) fields[part.name ?? ''] = await part.text();
 *   else for await (const chunk of part) await out.write(chunk);
 * }
 */
export class MultipartReader implements AsyncIterable<BodyPartReader | MultipartReader> {
  /** The request's headers (a nested reader: its part's headers). */
  readonly headers: RequestHeaders;
  readonly #content: ChunkSource;
  readonly #bb: Busboy;
  readonly #limits: ResolvedLimits;
  readonly #maxSize: number;
  readonly #owner: BodyOwner;
  readonly #parts: (BodyPartReader | MultipartReader)[] = [];
  readonly #nesting: Nesting;
  #last: BodyPartReader | MultipartReader | null = null;
  #size = 0;
  /** The headers of the part busboy is on, as sent (null when busboy's internals could not be hooked). */
  #partHeaders: RawPartHeaders | null = null;
  #inputDone = false;
  #closed = false;
  #pumping = false;
  #error: unknown = undefined;
  // One future per waiter: cancelling one waiter must not cancel another.
  #waiters: Future<void>[] = [];

  /** @internal `maxSize` bounds the whole (decoded) body; 0 is no bound. */
  constructor(headers: RequestHeaders, content: StreamReader | ChunkSource, limits: ResolvedLimits, maxSize: number, owner: BodyOwner, nesting?: Nesting) {
    this.headers = headers;
    this.#content = content;
    this.#limits = limits;
    this.#maxSize = maxSize;
    this.#owner = owner;
    this.#nesting = nesting ?? { depth: 0, count: { n: 0 }, source: null };
    const contentType = headers.get('content-type') ?? '';
    let bb: Busboy;
    try {
      bb = busboy({
        // busboy parses multipart/form-data only; a nested multipart/mixed
        // body has the same syntax (RFC 2046), with its own boundary.
        headers: { 'content-type': this.#nesting.depth === 0 ? contentType : contentType.replace(MULTIPART_TYPE, 'multipart/form-data') },
        // Field values as bytes: busboy decodes a field with its charset
        // parameter, else with defCharset. The header hook hands busboy no
        // parameters, so latin1 it is, which Buffer.from(value, 'latin1')
        // turns back into the bytes sent; text() then decodes them.
        // File names as browsers send them: UTF-8.
        defCharset: 'latin1',
        defParamCharset: 'utf8',
        highWaterMark: HWM,
        fileHwm: HWM,
        // busboy signals `parts` once that many have ended, the last one
        // included: one more lets the reader count "more than" itself.
        limits: { ...limits, parts: limits.parts + 1 },
      });
    } catch (e) {
      owner._bodyRefused = true;
      throw new HTTPBadRequest({ text: `Malformed multipart body: ${(e as Error).message} (Content-Type: ${contentType})` });
    }
    this.#bb = bb;
    hookPartHeaders(bb, this.#onPartHeaders);
    bb.on('file', (name: string | undefined, stream: Readable, info: busboy.FileInfo) => {
      const sent = this.#partHeaders;
      const mimeType = mediaType(sent, info.mimeType);
      const nested = mimeType.startsWith('multipart/');
      const part = new BodyPartReader(this, { name: name ?? '', filename: info.filename, mimeType, encoding: info.encoding, headers: sent }, stream, null);
      stream.on('limit', () => this.#fail(new HTTPRequestEntityTooLarge(limits.fileSize, null, { text: `Multipart file ${JSON.stringify(name ?? '')} is larger than limits.fileSize (${limits.fileSize} bytes)` })));
      this.#add(nested ? this.#nested(part, sent) : part);
    });
    bb.on('field', (name: string | undefined, value: string, info: busboy.FieldInfo) => {
      if (info.valueTruncated) {
        this.#fail(new HTTPRequestEntityTooLarge(limits.fieldSize, null, { text: `Multipart field ${JSON.stringify(name ?? '')} is larger than limits.fieldSize (${limits.fieldSize} bytes)` }));
        return;
      }
      const sent = this.#partHeaders;
      this.#add(new BodyPartReader(this, { name: name ?? '', filename: undefined, mimeType: mediaType(sent, info.mimeType), encoding: info.encoding, headers: sent }, null, Buffer.from(value, 'latin1')));
    });
    bb.on('partsLimit', () => this.#fail(this.#tooMany('parts', limits.parts)));
    bb.on('filesLimit', () => this.#fail(this.#tooMany('files', limits.files)));
    bb.on('fieldsLimit', () => this.#fail(this.#tooMany('fields', limits.fields)));
    bb.on('error', (e: Error) => this.#fail(new HTTPBadRequest({ text: `Malformed multipart body: ${e.message}` })));
    bb.on('close', () => {
      this.#closed = true;
      this._notify();
    });
  }

  /**
   * The next part, or null after the last one: a `BodyPartReader`, or a
   * nested `MultipartReader` for a part that is itself multipart. What the
   * handler did not read of the previous part is skipped.
   */
  async next(): Promise<BodyPartReader | MultipartReader | null> {
    const last = this.#last;
    if (last !== null) {
      this.#last = null;
      last._drop();
    }
    for (;;) {
      if (this.#error !== undefined) throw this.#error;
      const part = this.#parts.shift();
      if (part !== undefined) return (this.#last = part);
      if (this.#closed) return null;
      await this._step(null);
    }
  }

  /** Skip every part left. */
  async release(): Promise<void> {
    while ((await this.next()) !== null) { /* each next() skips the previous part */ }
  }

  /** Every part in turn (each skipped unless read before the next). */
  async *[Symbol.asyncIterator](): AsyncGenerator<BodyPartReader | MultipartReader, void, undefined> {
    for (;;) {
      const part = await this.next();
      if (part === null) return;
      yield part;
    }
  }

  /**
   * @internal One step of progress for `part` (or the reader): feed busboy
   * one more chunk of the body, or wait for what busboy already has on its
   * way (data and ends of its streams come on a later tick).
   */
  async _step(part: BodyPartReader | null): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    const bb = this.#bb;
    if (this.#inputDone || this.#pumping || bb.writableLength > 0 || (part !== null && part._pending())) {
      const w = new Future<void>();
      this.#waiters.push(w);
      try {
        await suspend(w, undefined);
      } finally {
        if (w.cancelled()) this.#waiters = this.#waiters.filter((x) => x !== w);
      }
      return;
    }
    this.#pumping = true;
    let chunk: Buffer;
    try {
      chunk = await this.#content._readChunk();
    } catch (e) {
      // A cancelled read leaves the body as it was; anything else (the client
      // went away, a corrupt Content-Encoding) ends the reader.
      if (!isCancellation(e)) this.#fail(e);
      throw e;
    } finally {
      this.#pumping = false;
      this._notify();
    }
    if (this.#error !== undefined) throw this.#error;
    if (chunk.length === 0) {
      this.#inputDone = true;
      bb.end();
      return;
    }
    this.#size += chunk.length;
    const max = this.#maxSize;
    if (max > 0 && this.#size > max) {
      this.#fail(new HTTPRequestEntityTooLarge(max, this.#size));
      throw this.#error;
    }
    bb.write(chunk, this.#written);
  }

  /** @internal Drop what is left of a nested reader's part (the outer reader moved on). */
  _drop(): void {
    this.#nesting.source?._drop();
  }

  /** @internal Wake whoever waits for busboy. */
  _notify(): void {
    const ws = this.#waiters;
    if (ws.length === 0) return;
    this.#waiters = [];
    for (const w of ws) if (!w.done()) w.setResult();
  }

  // A chunk busboy held back (a file stream was full) went through at last.
  readonly #written = (): void => this._notify();

  // Sees each part's headers before busboy acts on them: keeps them as sent;
  // hands busboy the media type without parameters (so it keeps a field's
  // bytes, see defCharset); has it stream a nested multipart part as bytes
  // (it would buffer and decode one without a filename as a field), and
  // every part of a nested body (there are no form fields there); and,
  // inside a nested body, take parts whose Content-Disposition is not
  // form-data (RFC 2388's `file`, or none, as in multipart/mixed) instead
  // of skipping them.
  readonly #onPartHeaders = (header: RawPartHeaders): RawPartHeaders => {
    this.#partHeaders = header;
    let out = header;
    const type = header['content-type']?.[0];
    const media = type === undefined ? null : MEDIA_TYPE.exec(type);
    if (this.#nesting.depth > 0 || (media !== null && media[1]?.toLowerCase().startsWith('multipart/') === true)) out = { ...out, 'content-type': ['application/octet-stream'] };
    else if (media !== null) out = { ...out, 'content-type': [media[1] as string] };
    if (this.#nesting.depth > 0) {
      const disp = header['content-disposition']?.[0];
      if (disp === undefined) out = { ...out, 'content-disposition': ['form-data'] };
      else if (!/^\s*form-data\s*(;|$)/i.test(disp)) out = { ...out, 'content-disposition': [disp.replace(/^[^;]*/, 'form-data')] };
    }
    return out;
  };

  // The reader over a multipart part, fed from the part's bytes. Failures
  // are the outer reader's: they stop the whole body.
  #nested(part: BodyPartReader, sent: RawPartHeaders | null): BodyPartReader | MultipartReader {
    const depth = this.#nesting.depth + 1;
    if (sent === null) return part;
    if (depth > MAX_MULTIPART_DEPTH) {
      this.#fail(new HTTPBadRequest({ text: `Malformed multipart body: multipart nested deeper than ${MAX_MULTIPART_DEPTH} levels` }));
      return part;
    }
    const source: ChunkSource = { _readChunk: () => part.readChunk(Infinity) };
    try {
      return new MultipartReader(toRequestHeaders(sent), source, this.#limits, 0, this.#owner, { depth, count: this.#nesting.count, source: part });
    } catch (e) {
      this.#fail(e);
      return part;
    }
  }

  #add(part: BodyPartReader | MultipartReader): void {
    if (this.#error !== undefined) return;
    if (++this.#nesting.count.n > this.#limits.parts) {
      this.#fail(this.#tooMany('parts', this.#limits.parts));
      return;
    }
    this.#parts.push(part);
    this._notify();
  }

  #tooMany(what: 'parts' | 'files' | 'fields', n: number): HTTPRequestEntityTooLarge {
    return new HTTPRequestEntityTooLarge(n, null, { text: `Multipart body has more than limits.${what} (${n}) ${what}` });
  }

  #fail(e: unknown): void {
    if (this.#error !== undefined) return;
    this.#error = e;
    // The rest of the body stays unread: the connection closes after the answer.
    this.#owner._bodyRefused = true;
    this.#parts.length = 0;
    // busboy is not fed again; it is not destroyed either: this may run inside
    // its own write, which goes on using its state after emitting.
    this._notify();
  }
}
