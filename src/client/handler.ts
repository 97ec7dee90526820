// One HTTP exchange on undici: waits for a connection slot, dispatches,
// resolves `fut` at the response headers, then feeds the body into a
// StreamReader with flow control (undici's pause/resume). It owns the
// request's timers (total, connect) and turns cancellation of `fut` (by the
// task or the caller's signal) into an abort on the wire.
// It uses undici's native handler interface (onConnect/onHeaders/onData/...),
// which undici's own `request()` uses, so no adapter sits in between.
import type { Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { CancelledError } from '../core/errors.js';
import { Future, type FutureListener } from '../core/future.js';
import { StreamReader } from '../core/streams/stream-reader.js';
import { abortMessage } from '../core/suspend.js';
import { contentCoding, makeDecoder, type ContentCoding, type DecoderSink } from './decoder.js';
import { ClientConnectionError, ClientPayloadError, ClientResponseError, ConnectionTimeoutError, SocketTimeoutError, TotalTimeoutError } from './errors.js';
import { parseRawHeaders, type HeaderRecord } from './headers.js';
import { isDisconnect, mapError, wasReusedSocket } from './map-error.js';
import { asProxyError } from './proxy.js';
import type { RequestInfo } from './request-info.js';
import { unwatchSignal, watchSignal } from './signal-watch.js';
import type { SlotWaiter, Slots } from './slots.js';

const QUEUED = 0;
const DISPATCHED = 1;
const STREAMING = 2;
// The wire part is complete; the decoder still has to hand the rest over.
// `total`, the caller's signal and decoder errors still apply.
const DECODING = 3;
const DONE = 4;

/**
 * @internal An unread body is drained on `release()` so its socket goes back
 * to the pool, but at most this many bytes (undici's `dump()` default)...
 */
export const DRAIN_MAX_BYTES = 128 * 1024;
/** @internal ...and for at most this many seconds; past either, the socket is closed (aiohttp closes at once). */
export const DRAIN_MAX_SECONDS = 1;

/** @internal What the session tells a handler. */
export interface HandlerSetup {
  readonly dispatcher: Dispatcher;
  readonly opts: Dispatcher.DispatchOptions;
  readonly slots: Slots;
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly total: number | null;
  readonly connect: number | null;
  /**
   * `sockRead` in ms (0: none), timed here rather than by undici: undici's
   * header and body timers run on a clock that ticks every ~0.5 s, so they
   * fire up to 0.5 s early or 1 s late, and a body that trickles a byte more
   * often than every ~0.5 s is never caught, whatever `sockRead` says.
   */
  readonly sockRead: number;
  readonly decompress: boolean;
  /** What is asked (for the errors about the response head). */
  readonly info: RequestInfo;
  /** The body reader's limit (aiohttp's `read_bufsize`). */
  readonly readBufsize: number;
  /** Longest status line and header name or value accepted (0: none), as aiohttp's `max_line_size`/`max_field_size`. */
  readonly maxLineSize: number;
  readonly maxFieldSize: number;
  /** The proxy the request goes through: failing to reach it is a `ClientProxyConnectionError`. */
  readonly viaProxy: URL | null;
  /** The caller's signal: aborting it aborts the exchange, body included. */
  readonly signal: AbortSignal | undefined;
  /** Optional hooks for trace configs. */
  readonly onQueued?: ((start: boolean) => void) | undefined;
  readonly onChunk?: ((chunk: Buffer) => void) | undefined;
}

/** @internal */
export class RequestHandler implements FutureListener, SlotWaiter, Dispatcher.DispatchHandler, DecoderSink {
  readonly fut = new Future<void>();
  readonly _slotKey: string;
  status = 0;
  statusText = '';
  headers: HeaderRecord | undefined = undefined;
  reader: StreamReader | undefined = undefined;
  /** The request failed before any response byte on a socket that had been used: safe to retry once. */
  retryable = false;
  readonly #setup: HandlerSetup;
  #state = QUEUED;
  #slotHeld = false;
  #abort: ((err: Error) => void) | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #paused = false;
  #reason: Error | undefined = undefined;
  #total: NodeJS.Timeout | undefined = undefined;
  #connect: NodeJS.Timeout | undefined = undefined;
  #dumping = false;
  #dumped = 0;
  #drainTimer: NodeJS.Timeout | undefined = undefined;
  #idle: NodeJS.Timeout | undefined = undefined;
  #coding: ContentCoding | undefined = undefined;
  #decoder: Transform | undefined = undefined;

  constructor(setup: HandlerSetup) {
    this.#setup = setup;
    this._slotKey = setup.key;
  }

  start(): void {
    const s = this.#setup;
    this.fut._listen(this);
    const signal = s.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.abortWire(new CancelledError(abortMessage(signal)));
        return;
      }
      watchSignal(signal, this);
    }
    if (s.total !== null) this.#total = setTimeout(onTotal, s.total * 1000, this);
    if (s.connect !== null) this.#connect = setTimeout(onConnectTimeout, s.connect * 1000, this);
    if (s.slots.tryAcquire(s.key)) {
      this.#slotHeld = true;
      this.#dispatch();
    } else {
      s.onQueued?.(true);
      s.slots.enqueue(this);
    }
  }

  _slotGranted(): boolean {
    if (this.#state !== QUEUED || this.fut.done()) return false;
    this.#slotHeld = true;
    this.#setup.onQueued?.(false);
    this.#dispatch();
    return true;
  }

  #dispatch(): void {
    this.#state = DISPATCHED;
    this.#setup.dispatcher.dispatch(this.#setup.opts, this);
  }

  // --- undici's handler interface ---

  onConnect(abort: (err?: Error) => void): void {
    if (this.#reason !== undefined) {
      abort(this.#reason);
      return;
    }
    this.#abort = abort;
    if (this.#connect !== undefined) {
      clearTimeout(this.#connect);
      this.#connect = undefined;
    }
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx interim answers: the real one follows
    // An exchange that already failed (aborted, timed out) takes no answer:
    // its abort is on the way.
    if (this.fut.done()) return false;
    const tooLong = headTooLong(this.#setup, rawHeaders, statusText);
    if (tooLong !== null) {
      this.abortWire(new ClientResponseError(this.#setup.info, tooLong, { status: 400 }));
      return false;
    }
    this.status = statusCode;
    this.statusText = statusText;
    this.#resume = resume;
    this.#state = STREAMING;
    const headers = (this.headers = parseRawHeaders(rawHeaders));
    const reader = (this.reader = new StreamReader({ limit: this.#setup.readBufsize }));
    reader.setTransport(this);
    if (this.#setup.decompress) {
      const enc = headers['content-encoding'];
      // The decoder itself waits for the first body byte (see decoder.ts).
      if (typeof enc === 'string') this.#coding = contentCoding(enc);
    }
    this.fut.setResult();
    if (this.#setup.sockRead !== 0) this.#armIdle();
    return true;
  }

  /** The request is written: from now on the peer owes us bytes (`sockRead`). */
  onRequestSent(): void {
    if (this.#setup.sockRead !== 0 && this.#state === DISPATCHED) this.#armIdle();
  }

  onData(chunk: Buffer): boolean {
    if (this.#dumping) {
      this.#dumped += chunk.length;
      if (this.#dumped > DRAIN_MAX_BYTES) this.#drainFailed();
      return true;
    }
    this.#setup.onChunk?.(chunk);
    if (this.#coding !== undefined && chunk.length !== 0) {
      const d = (this.#decoder ??= makeDecoder(this.#coding, chunk[0] as number, this));
      return this.#flowing(d.write(chunk) && !this.#paused);
    }
    (this.reader as StreamReader).feedData(chunk);
    return this.#flowing(!this.#paused);
  }

  // What onData answers undici; the idle timer runs only while undici reads
  // on (a body paused by flow control is not a silent peer).
  #flowing(more: boolean): boolean {
    if (this.#setup.sockRead !== 0) {
      if (more) this.#armIdle();
      else this.#stopIdle();
    }
    return more;
  }

  #armIdle(): void {
    if ((this.#state !== STREAMING && this.#state !== DISPATCHED) || this.#dumping || this.#paused) return;
    if (this.#idle === undefined) this.#idle = setTimeout(onReadIdle, this.#setup.sockRead, this);
    else this.#idle.refresh();
  }

  #stopIdle(): void {
    if (this.#idle === undefined) return;
    clearTimeout(this.#idle);
    this.#idle = undefined;
  }

  onComplete(): void {
    const d = this.#decoder;
    if (d !== undefined && !this.#dumping) {
      // zlib answers later, with the rest of the body or its error: the
      // exchange stays open (timers, signal) until it does.
      this.#state = DECODING;
      this.#stopIdle();
      this.#freeSlot();
      d.end();
      return;
    }
    this.reader?.feedEof();
    this.#finish();
  }

  onError(err: Error): void {
    const wasStreaming = this.#state === STREAMING;
    this.#finish();
    const reason = this.#reason;
    if (reason !== undefined) return; // we aborted it and already told the reader
    const { host, port } = this.#setup;
    if (!wasStreaming) {
      this.retryable = isDisconnect(err) && wasReusedSocket(err);
      const viaProxy = this.#setup.viaProxy;
      const mapped = mapError(err, host, port, false);
      if (!this.fut.done()) this.fut.setException(viaProxy === null ? mapped : asProxyError(mapped, viaProxy));
    } else {
      this.#dropDecoder();
      this.reader?.setException(mapError(err, host, port, true));
    }
  }

  onUpgrade(): void {
    throw new ClientConnectionError('Unexpected protocol upgrade in a plain HTTP request');
  }

  // --- StreamReader transport (flow control) ---

  pauseReading(): void {
    this.#paused = true;
    this.#stopIdle();
    this.#decoder?.pause();
  }

  resumeReading(): void {
    this.#paused = false;
    const d = this.#decoder;
    if (d !== undefined) {
      d.resume();
      if (d.writableNeedDrain) return; // 'drain' resumes undici
    }
    this.#resumeWire();
  }

  // undici's resume acts on the socket's parser: once this exchange is
  // complete the socket may carry another request, which must not be resumed
  // from here.
  #resumeWire(): void {
    if (this.#state !== STREAMING) return;
    if (this.#setup.sockRead !== 0) this.#armIdle();
    this.#resume?.();
  }

  // --- the decoder's events (decoder.ts); those of a decoder already dropped are ignored ---

  /** @internal */
  _decodedData(d: Transform, chunk: Buffer): void {
    if (d === this.#decoder) this.reader?.feedData(chunk);
  }

  /** @internal */
  _decodedEnd(d: Transform): void {
    if (d !== this.#decoder) return;
    this.reader?.feedEof();
    // A decoder ends when its input does: only after onComplete.
    this.#finish();
  }

  /** @internal */
  _decoderError(d: Transform, err: Error): void {
    if (d !== this.#decoder) return;
    this.abortWire(new ClientPayloadError(`Cannot decompress the response body: ${err.message}`, { cause: err }));
  }

  /** @internal */
  _decoderDrained(d: Transform): void {
    if (d === this.#decoder && !this.#paused) this.#resumeWire();
  }

  // --- cancellation, timeouts, release ---

  /** The caller's signal fired. */
  handleEvent(): void {
    const signal = this.#setup.signal as AbortSignal;
    this.abortWire(new CancelledError(abortMessage(signal)));
  }

  _futureDone(fut: Future<unknown>): void {
    if (fut.cancelled()) this.abortWire(fut._cancelError() ?? new CancelledError());
  }

  /** Stop the exchange: the pending wait (headers or body read) fails with `err`. */
  abortWire(err: Error): void {
    if (this.#state === DONE || this.#reason !== undefined) return;
    this.#reason = err;
    if (!this.fut.done()) this.fut.setException(err);
    this.#dropDecoder();
    this.reader?.setException(err);
    if (this.#state === QUEUED || this.#state === DECODING) {
      this.#finish();
    } else if (this.#abort !== undefined) {
      this.#abort(err);
    }
    // else: dispatched, not connected yet; onConnect aborts it.
  }

  /** True once the body was fully received or the exchange failed. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /**
   * Give the connection back: drain the unread rest of the body, at most
   * {@link DRAIN_MAX_BYTES} within {@link DRAIN_MAX_SECONDS}, else close the socket.
   */
  release(): void {
    if (this.#state === DONE || this.#dumping) return;
    if (this.#state !== STREAMING && this.#state !== DECODING) {
      this.abortWire(new ClientConnectionError('Response released'));
      return;
    }
    this.#dumping = true;
    this.#stopIdle();
    this.#dropDecoder();
    const buffered = this.reader?.bufferedSize ?? 0;
    this.reader?.setException(new ClientConnectionError('Response is released: its body can no longer be read'));
    if (this.#state === DECODING) {
      this.#finish(); // the wire part is complete: the socket is back in the pool already
      return;
    }
    this.#dumped += buffered;
    if (this.#dumped > DRAIN_MAX_BYTES) {
      this.#drainFailed();
      return;
    }
    this.#drainTimer = setTimeout(onDrainTimeout, DRAIN_MAX_SECONDS * 1000, this);
    // undici may be paused by the reader or by the decoder just dropped (whose
    // 'drain' will not come): resume it either way (a no-op if it reads on).
    this.#paused = false;
    this.#resumeWire();
  }

  /** @internal The drain of a released body went past its bounds: close the socket. */
  _drainFailed(): void {
    this.#drainFailed();
  }

  #drainFailed(): void {
    this.abortWire(new ClientConnectionError('Response released before its body was read'));
  }

  #dropDecoder(): void {
    const d = this.#decoder;
    if (d === undefined) return;
    this.#decoder = undefined;
    this.#coding = undefined;
    d.destroy();
  }

  #freeSlot(): void {
    if (this.#slotHeld) {
      this.#slotHeld = false;
      this.#setup.slots.release(this.#setup.key);
    }
  }

  #finish(): void {
    if (this.#state === DONE) return;
    this.#state = DONE;
    if (this.#total !== undefined) clearTimeout(this.#total);
    if (this.#connect !== undefined) clearTimeout(this.#connect);
    if (this.#drainTimer !== undefined) clearTimeout(this.#drainTimer);
    this.#stopIdle();
    this.#total = this.#connect = this.#drainTimer = undefined;
    const signal = this.#setup.signal;
    if (signal !== undefined) unwatchSignal(signal, this);
    this.#freeSlot();
  }

  /** @internal */
  _timeout(which: 'total' | 'connect' | 'sockRead'): void {
    const { host, port, total, connect } = this.#setup;
    if (which === 'total') {
      this.abortWire(new TotalTimeoutError(`Request to ${host}:${port} timed out: total ${total} s`));
    } else if (which === 'sockRead') {
      this.#idle = undefined;
      this.abortWire(new SocketTimeoutError(`Timeout on reading data from socket (sockRead) for ${host}:${port}`));
    } else if (this.#state === QUEUED) {
      this.abortWire(new ConnectionTimeoutError(`Connection timeout to host ${host}:${port}: no free connection slot within ${connect} s (pool limit)`, 'pool'));
    } else if (this.#state === DISPATCHED && this.#abort === undefined) {
      this.abortWire(new ConnectionTimeoutError(`Connection timeout to host ${host}:${port}: not connected within ${connect} s`, 'connect'));
    }
  }
}

// aiohttp's parser refuses a status line longer than max_line_size and a
// header name or value longer than max_field_size (a 400 ClientResponseError).
function headTooLong(s: HandlerSetup, raw: Buffer[], statusText: string): string | null {
  const line = 13 + statusText.length; // "HTTP/1.1 200 " + reason
  if (s.maxLineSize !== 0 && line > s.maxLineSize) return `Got more than ${s.maxLineSize} bytes (${line}) when reading Status line is too long.`;
  const max = s.maxFieldSize;
  if (max === 0) return null;
  for (let i = 0; i < raw.length; i++) {
    const n = (raw[i] as Buffer).length;
    if (n > max) return `Got more than ${max} bytes (${n}) when reading Header ${i % 2 === 0 ? 'name' : 'value'} is too long.`;
  }
  return null;
}

function onTotal(h: RequestHandler): void {
  h._timeout('total');
}

function onConnectTimeout(h: RequestHandler): void {
  h._timeout('connect');
}

function onReadIdle(h: RequestHandler): void {
  h._timeout('sockRead');
}

function onDrainTimeout(h: RequestHandler): void {
  h._drainFailed();
}
