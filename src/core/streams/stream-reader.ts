/**
 * `StreamReader`, as asyncio's: a byte buffer fed by a transport (a socket,
 * an HTTP body) and read with `readline`, `readuntil`, `readexactly`, `read`.
 * @module
 */
import { IncompleteReadError, InvalidStateError, LimitOverrunError } from '../errors.js';
import { Future } from '../future.js';
import type { SignalOptions } from '../sleep.js';
import { suspend } from '../suspend.js';
import { describe, toInt, toSignal } from '../validate.js';
import { LineIterator } from './line-iterator.js';
import { minLength, toSeparators } from './separators.js';
import { checkOptions, knownOptions, SIGNAL_ONLY } from '../options.js';

const READER_OPTIONS = knownOptions('limit');

/** What a reader tells its data source for flow control. */
export interface ReadTransport {
  /** Stop delivering data (the buffer passed 2 × limit). */
  pauseReading(): void;
  /** Deliver data again (the buffer fell back under the limit). */
  resumeReading(): void;
}

/** Options of {@link StreamReader}. */
export interface StreamReaderOptions {
  /** Largest line or separator search, and the flow-control mark, in bytes. @default 65536 */
  readonly limit?: number;
}

/** The default reader limit: 64 KiB, as asyncio's. */
export const DEFAULT_LIMIT = 64 * 1024;

const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from('\n');
const NEWLINE_SEPS = [NEWLINE];

/**
 * A buffered byte stream. Returned buffers may share memory with chunks the
 * reader received; the reader never writes into them afterwards.
 * @example
 * for await (const line of reader) console.log(line.toString().trimEnd());
 */
export class StreamReader implements AsyncIterable<Buffer> {
  readonly #limit: number;
  // Unread bytes are #buf[#start, #end). A buffer we allocated may have spare
  // room after #end; an adopted chunk never does (we do not own it).
  #buf: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  #owned = false;
  // Chunks that arrived while unread bytes remained, kept as they came: readline
  // only copies the line that straddles two chunks; other reads merge them first.
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #eof = false;
  #exception: unknown = undefined;
  #waiter: Future<void> | undefined = undefined;
  #transport: ReadTransport | undefined = undefined;
  #paused = false;

  /** A reader with the given `limit` (bytes, > 0). */
  constructor(options?: StreamReaderOptions) {
    checkOptions('StreamReader()', options, READER_OPTIONS);
    this.#limit = options?.limit === undefined ? DEFAULT_LIMIT : toInt('StreamReader()', 'limit', options.limit, 1);
  }

  /** The limit in bytes. */
  get limit(): number {
    return this.#limit;
  }

  /** Bytes buffered and not yet read. */
  get bufferedSize(): number {
    return this.#end - this.#start + this.#pendingBytes;
  }

  /** The error set with `setException`, or null. */
  exception(): unknown {
    return this.#exception ?? null;
  }

  /** Attach the data source to pause and resume for flow control. */
  setTransport(transport: ReadTransport): void {
    if (this.#transport !== undefined) throw new InvalidStateError('StreamReader.setTransport(): a transport is already set');
    this.#transport = transport;
  }

  /** Make every pending and future read fail with `error`. */
  setException(error: unknown): void {
    this.#exception = error;
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      if (!w.done()) w.setException(error);
    }
  }

  /** Append bytes (from the transport). */
  feedData(data: Uint8Array): void {
    if (this.#eof) throw new InvalidStateError('StreamReader.feedData(): called after feedEof()');
    if (!(data instanceof Uint8Array)) throw new TypeError(`StreamReader.feedData(): data must be a Buffer or Uint8Array, got ${describe(data)}`);
    const n = data.length;
    if (n === 0) return;
    const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, n);
    if (this.#pendingBytes !== 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += n;
    } else if (this.#end === this.#start) {
      this.#buf = chunk;
      this.#start = 0;
      this.#end = n;
      this.#owned = false;
    } else if (this.#owned && this.#buf.length - this.#end >= n) {
      // A trickling peer: small chunks are appended to our own buffer.
      this.#buf.set(chunk, this.#end);
      this.#end += n;
    } else {
      this.#pending.push(chunk);
      this.#pendingBytes = n;
    }
    this.#wakeup();
    if (this.#transport !== undefined && !this.#paused && this.bufferedSize > 2 * this.#limit) {
      this.#paused = true;
      this.#transport.pauseReading();
    }
  }

  /** Mark the end of the stream. */
  feedEof(): void {
    this.#eof = true;
    this.#wakeup();
  }

  /** True when the stream ended and every byte was read. */
  atEof(): boolean {
    return this.#eof && this.bufferedSize === 0;
  }

  /**
   * Read one line, `\n` included. At EOF returns the partial last line, or an
   * empty buffer. A line longer than `limit` throws `LimitOverrunError`
   * after discarding it (or what has arrived of it), so the stream stays usable.
   */
  readline(options?: SignalOptions): Promise<Buffer> {
    // Fast path: a whole line is already buffered.
    if (options === undefined) {
      const line = this._lineNow();
      if (line !== undefined) return Promise.resolve(line);
    }
    return this.#readlineSlow(options);
  }

  /** @internal The next line if a whole one is buffered (and no error is set), else undefined. */
  _lineNow(): Buffer | undefined {
    if (this.#exception !== undefined) return undefined;
    const start = this.#start;
    const i = this.#buf.indexOf(0x0a, start);
    if (i !== -1 && i < this.#end) {
      if (i - start > this.#limit) return undefined;
      const line = this.#buf.subarray(start, i + 1);
      this.#start = i + 1;
      if (this.#start === this.#end) this.#reset();
      if (this.#paused) this.#maybeResume();
      return line;
    }
    return this.#pendingBytes === 0 ? undefined : this.#straddlingLine();
  }

  // The line that starts in #buf and ends in the first pending chunk: copy
  // just that line, then read on in the chunk without copying it.
  #straddlingLine(): Buffer | undefined {
    const next = this.#pending[0] as Buffer;
    const j = next.indexOf(0x0a);
    const head = this.#end - this.#start;
    if (j === -1 || head + j > this.#limit) return undefined;
    const line = Buffer.allocUnsafe(head + j + 1);
    this.#buf.copy(line, 0, this.#start, this.#end);
    next.copy(line, head, 0, j + 1);
    this.#pending.shift();
    this.#pendingBytes -= next.length;
    this.#buf = next;
    this.#start = j + 1;
    this.#end = next.length;
    this.#owned = false;
    if (this.#start === this.#end) this.#reset();
    if (this.#paused) this.#maybeResume();
    return line;
  }

  async #readlineSlow(options: SignalOptions | undefined): Promise<Buffer> {
    // Here rather than in readline(): a bad option rejects, as every other read error does.
    if (options !== undefined) checkOptions('StreamReader.readline()', options, SIGNAL_ONLY);
    try {
      return await this.readuntil(NEWLINE, options);
    } catch (e) {
      if (e instanceof IncompleteReadError) return e.partial;
      if (e instanceof LimitOverrunError) {
        const buf = this.#buf;
        const at = this.#start + e.consumed;
        // As asyncio: drop the long line if its end arrived, else all that came of it.
        if (at < this.#end && buf[at] === 0x0a) this.#start = at + 1;
        else this.#start = this.#end;
        if (this.#start === this.#end) this.#reset();
        this.#maybeResume();
      }
      throw e;
    }
  }

  /**
   * Read up to and including `separator` (one buffer or a list: the match
   * that ends first wins, the shortest separator on a tie, as asyncio 3.13).
   * EOF first throws `IncompleteReadError`;
   * no separator within `limit` bytes throws `LimitOverrunError` and keeps the data.
   */
  async readuntil(separator: Uint8Array | string | readonly (Uint8Array | string)[] = NEWLINE, options?: SignalOptions): Promise<Buffer> {
    const seps = separator === NEWLINE ? NEWLINE_SEPS : toSeparators(separator);
    if (options !== undefined) checkOptions('StreamReader.readuntil()', options, SIGNAL_ONLY);
    const signal = toSignal('StreamReader.readuntil()', options?.signal);
    let maxLen = 0;
    for (const s of seps) maxLen = Math.max(maxLen, s.length);
    let offset = 0;
    for (;;) {
      this.#throwIfFailed();
      this.#merge();
      const len = this.#end - this.#start;
      if (len - offset >= minLength(seps)) {
        const found = this.#find(seps, offset);
        if (found !== undefined) {
          const [index, sepLen] = found;
          if (index > this.#limit) throw new LimitOverrunError('Separator is found, but chunk is longer than limit', index);
          const chunk = this.#buf.subarray(this.#start, this.#start + index + sepLen);
          this.#start += index + sepLen;
          this.#maybeResume();
          return chunk;
        }
        offset = Math.max(0, len + 1 - maxLen);
        if (offset > this.#limit) throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', offset);
      }
      if (this.#eof) {
        const partial = this.#take(len);
        throw new IncompleteReadError(partial, null);
      }
      await this.#waitForData('readuntil', signal);
    }
  }

  /**
   * Read at most `n` bytes (`n` < 0: until EOF). Returns an empty buffer at EOF.
   */
  async read(n = -1, options?: SignalOptions): Promise<Buffer> {
    toInt('StreamReader.read()', 'n', n);
    if (options !== undefined) checkOptions('StreamReader.read()', options, SIGNAL_ONLY);
    const signal = toSignal('StreamReader.read()', options?.signal);
    this.#throwIfFailed();
    if (n === 0) return EMPTY;
    if (n < 0) {
      const parts: Buffer[] = [];
      for (;;) {
        const part = await this.read(this.#limit, options);
        if (part.length === 0) return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
        parts.push(part);
      }
    }
    if (this.bufferedSize === 0 && !this.#eof) await this.#waitForData('read', signal);
    this.#merge(n);
    const data = this.#take(Math.min(n, this.#end - this.#start));
    this.#maybeResume();
    return data;
  }

  /** Read exactly `n` bytes; EOF first throws `IncompleteReadError`. */
  readexactly(n: number, options?: SignalOptions): Promise<Buffer> {
    // A bad `n` rejects rather than throws: callers chain .catch() on the promise, as on every other read.
    try {
      toInt('StreamReader.readexactly()', 'n', n, 0);
    } catch (e) {
      return Promise.reject(e);
    }
    // Fast path: the bytes are already there, in one piece.
    if (options === undefined && this.#exception === undefined && n > 0 && this.#end - this.#start >= n) {
      const data = this.#take(n);
      if (this.#paused) this.#maybeResume();
      return Promise.resolve(data);
    }
    return this.#readexactlySlow(n, options);
  }

  async #readexactlySlow(n: number, options: SignalOptions | undefined): Promise<Buffer> {
    if (options !== undefined) checkOptions('StreamReader.readexactly()', options, SIGNAL_ONLY);
    const signal = toSignal('StreamReader.readexactly()', options?.signal);
    this.#throwIfFailed();
    if (n === 0) return EMPTY;
    while (this.bufferedSize < n) {
      if (this.#eof) {
        this.#merge();
        throw new IncompleteReadError(this.#take(this.#end - this.#start), n);
      }
      await this.#waitForData('readexactly', signal);
      this.#throwIfFailed();
    }
    this.#merge(n);
    const data = this.#take(n);
    this.#maybeResume();
    return data;
  }

  /** Read whatever is buffered, waiting for at least one byte (empty at EOF). */
  async readany(options?: SignalOptions): Promise<Buffer> {
    if (options !== undefined) checkOptions('StreamReader.readany()', options, SIGNAL_ONLY);
    const signal = toSignal('StreamReader.readany()', options?.signal);
    this.#throwIfFailed();
    if (this.bufferedSize === 0 && !this.#eof) await this.#waitForData('readany', signal);
    this.#merge();
    const data = this.#take(this.#end - this.#start);
    this.#maybeResume();
    return data;
  }

  /**
   * @internal As `readany()`, but without joining what is buffered: the
   * first chunk as it arrived (empty at EOF). A copy-free read for parsers
   * that take chunks (the multipart reader).
   */
  async _readChunk(): Promise<Buffer> {
    this.#throwIfFailed();
    if (this.bufferedSize === 0 && !this.#eof) await this.#waitForData('readany', undefined);
    const data = this.#take(this.#end - this.#start);
    this.#maybeResume();
    return data;
  }

  /** Iterate over chunks of at most `n` bytes until EOF. */
  async *iterChunked(n: number): AsyncGenerator<Buffer, void, undefined> {
    toInt('StreamReader.iterChunked()', 'n', n, 1);
    for (;;) {
      const chunk = await this.read(n);
      if (chunk.length === 0) return;
      yield chunk;
    }
  }

  /** Iterate over chunks as they arrive until EOF. */
  async *iterAny(): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const chunk = await this.readany();
      if (chunk.length === 0) return;
      yield chunk;
    }
  }

  /** Iterate over lines until EOF. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer, undefined> {
    // A plain iterator rather than an async generator: one promise per line, not three.
    return new LineIterator(this);
  }

  // Make the first `upTo` buffered bytes (all of them by default) contiguous
  // in #buf, copying only the pending chunks that this needs.
  #merge(upTo = Infinity): void {
    if (this.#pendingBytes === 0) return;
    const unread = this.#end - this.#start;
    if (unread >= upTo) return;
    const pending = this.#pending;
    let total = unread;
    let k = 0;
    while (k < pending.length && total < upTo) total += (pending[k++] as Buffer).length;
    // Spare room, so that a peer trickling small chunks is appended in place.
    const next = Buffer.allocUnsafe(Math.max(total, unread * 2, 4096));
    this.#buf.copy(next, 0, this.#start, this.#end);
    let at = unread;
    for (let i = 0; i < k; i++) {
      const c = pending[i] as Buffer;
      next.set(c, at);
      at += c.length;
    }
    if (k === pending.length) this.#pending = [];
    else pending.splice(0, k);
    this.#pendingBytes -= total - unread;
    this.#buf = next;
    this.#start = 0;
    this.#end = total;
    this.#owned = true;
  }

  #take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const chunk = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) this.#reset();
    return chunk;
  }

  #reset(): void {
    // Drop our reference so that a consumed chunk can be collected; the next
    // pending chunk, if any, becomes the buffer as it is.
    const next = this.#pending.length === 0 ? undefined : this.#pending.shift();
    if (next === undefined) {
      this.#buf = EMPTY;
      this.#end = 0;
    } else {
      this.#pendingBytes -= next.length;
      this.#buf = next;
      this.#end = next.length;
    }
    this.#start = 0;
    this.#owned = false;
  }

  // The match ending first, as asyncio 3.13: with ['abcd', 'bc'] over 'xabcd'
  // that is 'bc' (the shorter chunk), though 'abcd' starts earlier.
  #find(seps: Buffer[], offset: number): [number, number] | undefined {
    let best: [number, number] | undefined;
    let bestEnd = Infinity;
    for (const s of seps) {
      // Searching the whole buffer avoids a view per call; a hit in the spare
      // room past #end is no hit.
      let i = this.#buf.indexOf(s, this.#start + offset);
      i = i === -1 || i + s.length > this.#end ? -1 : i - this.#start;
      if (i === -1) continue;
      const end = i + s.length;
      if (end < bestEnd || (end === bestEnd && best !== undefined && s.length < best[1])) {
        best = [i, s.length];
        bestEnd = end;
      }
    }
    return best;
  }

  #throwIfFailed(): void {
    if (this.#exception !== undefined) throw this.#exception;
  }

  async #waitForData(fn: string, signal: AbortSignal | undefined): Promise<void> {
    if (this.#waiter !== undefined) throw new InvalidStateError(`StreamReader.${fn}() called while another read is already waiting for data`);
    if (this.#paused) {
      this.#paused = false;
      this.#transport?.resumeReading();
    }
    const w = (this.#waiter = new Future<void>());
    try {
      await suspend(w, signal);
    } finally {
      if (this.#waiter === w) this.#waiter = undefined;
    }
  }

  #wakeup(): void {
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      if (!w.done()) w.setResult();
    }
  }

  #maybeResume(): void {
    if (this.#paused && this.bufferedSize <= this.#limit) {
      this.#paused = false;
      this.#transport?.resumeReading();
    }
  }
}
