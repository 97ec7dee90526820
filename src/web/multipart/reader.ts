/**
 * `MultipartReader`, as aiohttp's: `await reader.next()` gives each part of a
 * multipart/form-data body in turn, then null. Parsing is busboy's; the body
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

/** @internal Who is told when the rest of the body will not be read (the connection must then close). */
export interface BodyOwner {
  _bodyRefused: boolean;
}

const HWM = 64 * 1024;

/**
 * Reads a multipart body part by part (`request.multipart()` makes one).
 * @example
 * const reader = await request.multipart();
 * for (let part = await reader.next(); part !== null; part = await reader.next()) {
 *   if (part.filename === null) fields[part.name ?? ''] = await part.text();
 *   else for await (const chunk of part) await out.write(chunk);
 * }
 */
export class MultipartReader implements AsyncIterable<BodyPartReader> {
  /** The request's headers. */
  readonly headers: RequestHeaders;
  readonly #content: StreamReader;
  readonly #bb: Busboy;
  readonly #limits: ResolvedLimits;
  readonly #maxSize: number;
  readonly #owner: BodyOwner;
  readonly #parts: BodyPartReader[] = [];
  #last: BodyPartReader | null = null;
  #size = 0;
  #count = 0;
  #inputDone = false;
  #closed = false;
  #pumping = false;
  #error: unknown = undefined;
  // One future per waiter: cancelling one waiter must not cancel another.
  #waiters: Future<void>[] = [];

  /** @internal `maxSize` bounds the whole (decoded) body; 0 is no bound. */
  constructor(headers: RequestHeaders, content: StreamReader, limits: ResolvedLimits, maxSize: number, owner: BodyOwner) {
    this.headers = headers;
    this.#content = content;
    this.#limits = limits;
    this.#maxSize = maxSize;
    this.#owner = owner;
    const contentType = headers.get('content-type') ?? '';
    let bb: Busboy;
    try {
      bb = busboy({
        headers: { 'content-type': contentType },
        // Field values and file names as browsers send them: UTF-8.
        defCharset: 'utf8',
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
    bb.on('file', (name: string, stream: Readable, info: busboy.FileInfo) => {
      const part = new BodyPartReader(this, { name, filename: info.filename, mimeType: info.mimeType, encoding: info.encoding }, stream, null);
      stream.on('limit', () => this.#fail(new HTTPRequestEntityTooLarge(limits.fileSize, null, { text: `Multipart file ${JSON.stringify(name)} is larger than limits.fileSize (${limits.fileSize} bytes)` })));
      this.#add(part);
    });
    bb.on('field', (name: string, value: string, info: busboy.FieldInfo) => {
      if (info.valueTruncated) {
        this.#fail(new HTTPRequestEntityTooLarge(limits.fieldSize, null, { text: `Multipart field ${JSON.stringify(name)} is larger than limits.fieldSize (${limits.fieldSize} bytes)` }));
        return;
      }
      this.#add(new BodyPartReader(this, { name, filename: undefined, mimeType: info.mimeType, encoding: info.encoding }, null, Buffer.from(value, 'utf8')));
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
   * The next part, or null after the last one. What the handler did not read
   * of the previous part is skipped.
   */
  async next(): Promise<BodyPartReader | null> {
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
  async *[Symbol.asyncIterator](): AsyncGenerator<BodyPartReader, void, undefined> {
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

  /** @internal Wake whoever waits for busboy. */
  _notify(): void {
    const ws = this.#waiters;
    if (ws.length === 0) return;
    this.#waiters = [];
    for (const w of ws) if (!w.done()) w.setResult();
  }

  // A chunk busboy held back (a file stream was full) went through at last.
  readonly #written = (): void => this._notify();

  #add(part: BodyPartReader): void {
    if (this.#error !== undefined) return;
    if (++this.#count > this.#limits.parts) {
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
