/**
 * `WebSocketBase`: the message layer shared by the client's
 * `ClientWebSocketResponse` and the server's `WebSocketResponse`, on a `ws`
 * socket: send*, receive*, async iteration, close, heartbeat.
 * @module
 */
import type { WebSocket } from 'ws';
import { InvalidStateError, TimeoutError } from '../core/errors.js';
import { Future } from '../core/future.js';
import type { SignalOptions } from '../core/sleep.js';
import { suspend } from '../core/suspend.js';
import { describe, toOptionalDelay, toSignal } from '../core/validate.js';
import { WS_CLOSED_MESSAGE, WS_CLOSING_MESSAGE, WSCloseCode, WSMsgType, wsMsgTypeName, type WSMessage } from './message.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { MessageIterator, iteratorResult } from './message-iterator.js';

const RECEIVE_OPTIONS = knownOptions('signal', 'timeout');
const RECEIVE_JSON_OPTIONS = knownOptions('signal', 'timeout', 'loads');
const SEND_JSON_OPTIONS = knownOptions('compress', 'dumps');
const CLOSE_OPTIONS = knownOptions('code', 'message');

/** Options of the message layer. */
export interface WebSocketOptions {
  /** Answer pings with pongs and keep PING/PONG messages out of `receive()`. The `ws` socket must be made with `autoPong` equal to it. @default true */
  readonly autoping?: boolean;
  /** Send a ping every `heartbeat` seconds; no pong within half of it closes the socket with 1006. @default null */
  readonly heartbeat?: number | null;
  /** Default timeout of `receive()`, seconds. @default null */
  readonly receiveTimeout?: number | null;
  /** Seconds `close()` waits for the peer's close frame before dropping the connection. @default 10 */
  readonly closeTimeout?: number;
  /**
   * When the peer closes, count the connection closed as soon as `receive()`
   * returns the CLOSE message. With false, as aiohttp's `autoclose=False`,
   * `closed` stays false until you call `close()` (which then returns true)
   * or `receive()` again (which returns CLOSED). The close frame itself is
   * answered at once either way: `ws` always does. @default true
   */
  readonly autoclose?: boolean;
}

/** Options of `receive()`. */
export interface ReceiveOptions extends SignalOptions {
  /** Seconds to wait (`TimeoutError` after); overrides `receiveTimeout`. */
  readonly timeout?: number | null;
}

/** Options of `close()`. */
export interface CloseOptions {
  /** The close code. @default 1000 */
  readonly code?: number;
  /** The close reason (UTF-8, at most 123 bytes). @default '' */
  readonly message?: string;
}

// Past this many unread messages the socket stops reading (flow control).
const HIGH_WATER = 64;

// Send-side flow control, bytes of `ws.bufferedAmount` (the socket's write
// buffer plus the frames `ws` still holds for compression): a send that
// leaves more than the high-water mark buffered waits until the peer has read
// down to the low-water mark. 64 KiB as aiohttp's writer limit; the low mark
// a quarter of it, as asyncio's transports.
const SEND_HIGH_WATER = 64 * 1024;
const SEND_LOW_WATER = 16 * 1024;

// The options handed to `ws.send()`, made once: by binary flag and compress (default, on, off).
const SEND_OPTIONS = [
  [{ binary: false }, { binary: false, compress: true }, { binary: false, compress: false }],
  [{ binary: true }, { binary: true, compress: true }, { binary: true, compress: false }],
] as const;

// Resolved once, returned by every send that needs not wait: a send costs no
// promise of its own then (awaiting a resolved promise does not change it).
const SENT: Promise<void> = Promise.resolve();

// The `WebSocketBase` of a `ws` socket, for the listeners below: one function
// per event for every socket (`ws` calls them with the socket as `this`)
// rather than five closures per socket.
const kOwner = Symbol('aiots.ws.owner');
type Owned = WebSocket & { [kOwner]: WebSocketBase };

function onMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
  (this as Owned)[kOwner]._onMessage(data, isBinary);
}
function onPing(this: WebSocket, data: Buffer): void {
  (this as Owned)[kOwner]._onPing(data);
}
function onPong(this: WebSocket, data: Buffer): void {
  (this as Owned)[kOwner]._onPong(data);
}
function onError(this: WebSocket, err: Error): void {
  (this as Owned)[kOwner]._onError(err);
}
function onClose(this: WebSocket, code: number, reason: Buffer): void {
  (this as Owned)[kOwner]._onClose(code, reason);
}
function onOpen(this: WebSocket): void {
  (this as Owned)[kOwner]._onOpen();
}

/**
 * A WebSocket as aiohttp shows it: `send*`, `receive*`, async iteration over
 * messages, `close()`. Subclasses attach a connected `ws` socket with `_attach`.
 * @example
 * for await (const msg of ws) {
 *   if (msg.type === WSMsgType.TEXT) await ws.sendStr(msg.data.toUpperCase());
 * }
 */
export class WebSocketBase implements AsyncIterable<WSMessage>, AsyncDisposable {
  #ws: WebSocket | undefined = undefined;
  readonly #autoping: boolean;
  readonly #autoclose: boolean;
  readonly #heartbeat: number | null;
  readonly #receiveTimeout: number | null;
  readonly #closeTimeout: number;
  // Messages not received yet; made on the first one that finds no receive() waiting.
  #queue: WSMessage[] | undefined = undefined;
  #head = 0;
  // The pending receive(): the next message is handed to it directly, as is
  // (or, for the `for await` iterator, as its IteratorResult).
  #waiter: Future<unknown> | undefined = undefined;
  #waiterIterates = false;
  #closed = false;
  // With autoclose false: the connection is gone but the user has not closed it yet.
  #peerClosed = false;
  #closing = false;
  #closeCode: number | null = null;
  #exception: unknown = null;
  // One future per close() waiting for the 'close' event, so that cancelling one waiter leaves the others waiting.
  #closeWaiters: Set<Future<void>> | undefined = undefined;
  #hb: Heartbeat | undefined = undefined;
  // Sends waiting for the peer to read (backpressure); made for a slow peer only.
  #drainWaiters: Set<Future<void>> | undefined = undefined;
  // Given to every frame `ws` writes for us: wakes the waiting sends once the
  // buffer is low, or fails them and records the error when a write failed.
  // One function per socket, made on the first send (an idle socket has none).
  #onWrittenFn: ((err?: Error | null) => void) | undefined = undefined;

  get #onWritten(): (err?: Error | null) => void {
    return (this.#onWrittenFn ??= (err?: Error | null): void => {
      if (err !== undefined && err !== null) this.#writeFailed(err);
      else if (this.#drainWaiters !== undefined && this.#drainWaiters.size !== 0 && (this.#ws as WebSocket).bufferedAmount <= SEND_LOW_WATER) this.#wakeSenders();
    });
  }

  /** Reads and checks the options; the socket comes later, with `_attach`. */
  constructor(options: WebSocketOptions = {}, where = 'WebSocket') {
    const autoping = options.autoping ?? true;
    if (typeof autoping !== 'boolean') throw new TypeError(`${where}: autoping must be a boolean, got ${describe(autoping)}`);
    this.#autoping = autoping;
    const autoclose = options.autoclose ?? true;
    if (typeof autoclose !== 'boolean') throw new TypeError(`${where}: autoclose must be a boolean, got ${describe(autoclose)}`);
    this.#autoclose = autoclose;
    this.#heartbeat = toOptionalDelay(where, 'heartbeat', options.heartbeat);
    if (this.#heartbeat === 0) throw new RangeError(`${where}: heartbeat must be > 0 seconds (null for none)`);
    this.#receiveTimeout = toOptionalDelay(where, 'receiveTimeout', options.receiveTimeout);
    this.#closeTimeout = toOptionalDelay(where, 'closeTimeout', options.closeTimeout ?? 10) ?? 10;
  }

  /** @internal Bind the socket (connected, or connecting: no frame is missed). */
  protected _attach(ws: WebSocket): void {
    if (this.#ws !== undefined) throw new InvalidStateError('WebSocket: already attached');
    this.#ws = ws;
    (ws as Owned)[kOwner] = this;
    ws.on('message', onMessage);
    ws.on('ping', onPing);
    ws.on('pong', onPong);
    ws.on('error', onError);
    ws.on('close', onClose);
    if (ws.readyState === 1) this.#startHeartbeat();
    else ws.once('open', onOpen);
  }

  /** @internal */
  _onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.#hb?.touch();
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    this.#push(isBinary ? { type: WSMsgType.BINARY, data: buf, extra: null } : { type: WSMsgType.TEXT, data: buf.toString('utf8'), extra: null });
  }

  /** @internal */
  _onPing(data: Buffer): void {
    this.#hb?.touch();
    if (!this.#autoping) this.#push({ type: WSMsgType.PING, data, extra: null });
  }

  /** @internal */
  _onPong(data: Buffer): void {
    this.#hb?.pong();
    if (!this.#autoping) this.#push({ type: WSMsgType.PONG, data, extra: null });
  }

  /** @internal */
  _onError(err: Error): void {
    this.#exception ??= err;
    // `ws` has failed the connection with a close frame of its own and will
    // not read the peer's answer (its 'close' says 1006): as aiohttp, the
    // close code is the one we failed with.
    this.#closeCode ??= failCode(err);
    this.#push({ type: WSMsgType.ERROR, data: err, extra: null });
  }

  /** @internal */
  _onClose(code: number, reason: Buffer): void {
    this.#stopHeartbeat();
    if (this.#autoclose || this.#closing) this.#closed = true;
    else this.#peerClosed = true;
    this.#closeCode ??= code;
    // The peer's answer to our own close() is that close()'s to consume, as
    // aiohttp's close() does: receive() then gives CLOSED. A receive()
    // already waiting still gets it.
    if (!this.#closing || this.#waiting()) this.#push({ type: WSMsgType.CLOSE, data: code, extra: reason.toString('utf8') });
    this.#failSenders();
    // A close() may have stopped waiting (cancelled, timed out): only the pending ones are woken.
    const waiters = this.#closeWaiters;
    if (waiters !== undefined) {
      for (const f of waiters) if (!f.done()) f.setResult();
      waiters.clear();
    }
  }

  /** @internal */
  _onOpen(): void {
    this.#startHeartbeat();
  }

  /** @internal The `ws` socket underneath (tests read its `bufferedAmount`). */
  _wsSocket(): WebSocket | undefined {
    return this.#ws;
  }

  /** The subprotocol agreed with the peer, or ''. */
  get protocol(): string {
    return this.#ws?.protocol ?? '';
  }

  /** True once the connection is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The close code, or null while open. */
  get closeCode(): number | null {
    return this.#closeCode;
  }

  /** The error that broke the connection, or null. */
  exception(): unknown {
    return this.#exception;
  }

  /** The error a missing pong raises; subclasses pick their class. */
  protected _heartbeatError(seconds: number): Error {
    return new TimeoutError(`No PONG received after ${seconds} seconds`);
  }

  /**
   * The error of a send whose data the connection lost (it closed while the
   * send waited for the peer to read, or a write failed); subclasses pick
   * their class, as aiohttp's `ClientConnectionResetError` and the server's
   * `ConnectionResetError`.
   */
  protected _connectionResetError(message: string, options?: ErrorOptions): Error {
    return Object.assign(new Error(message, options), { name: 'ConnectionResetError', code: 'ECONNRESET' });
  }

  #socket(fn: string): WebSocket {
    const ws = this.#ws;
    if (ws === undefined) throw new InvalidStateError(`WebSocket.${fn}(): not connected yet`);
    if (this.#closing || this.#closed || ws.readyState !== 1) throw new InvalidStateError(`WebSocket.${fn}(): the connection is closing or closed`);
    return ws;
  }

  // Hands the frame to `ws`; resolves at once (SENT) unless the buffer is now
  // over the high-water mark.
  #send(fn: string, data: string | Buffer | Uint8Array, binary: boolean, compress: boolean | undefined): Promise<void> {
    const ws = this.#socket(fn);
    ws.send(data, SEND_OPTIONS[binary ? 1 : 0][compress === undefined ? 0 : compress ? 1 : 2], this.#onWritten);
    return ws.bufferedAmount > SEND_HIGH_WATER ? this.#waitDrain() : SENT;
  }

  async #waitDrain(): Promise<void> {
    // No emitter listener: the write callbacks wake it and the 'close'
    // listener that is there anyway fails it.
    const fut = new Future<void>();
    const waiters = (this.#drainWaiters ??= new Set());
    waiters.add(fut);
    try {
      await suspend(fut, undefined);
    } finally {
      waiters.delete(fut);
    }
  }

  #wakeSenders(): void {
    const waiters = this.#drainWaiters as Set<Future<void>>;
    for (const f of waiters) if (!f.done()) f.setResult();
    waiters.clear();
  }

  #failSenders(cause?: Error): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined || waiters.size === 0) return;
    const err = this._connectionResetError('WebSocket: the connection closed before the peer read the data sent', cause === undefined ? undefined : { cause });
    for (const f of waiters) if (!f.done()) f.setException(err);
    waiters.clear();
  }

  // A write failed: the sends still waiting fail with it; as the sends that
  // handed that data resolved long ago, it also becomes the socket's
  // exception and an ERROR message. Once the socket is closing, failed writes
  // are the close's doing and say nothing new.
  #writeFailed(err: Error): void {
    this.#failSenders(err);
    if (this.#closed || this.#closing || this.#peerClosed || this.#exception !== null) return;
    const e = this._connectionResetError(`WebSocket: the connection broke with data still unwritten (${err.message})`, { cause: err });
    this.#exception = e;
    this.#push({ type: WSMsgType.ERROR, data: e, extra: null });
  }

  /**
   * Send a text message. Resolves once the frame is handed to the socket, or,
   * when more than 64 KiB wait to be written, once the peer has read them
   * down to 16 KiB (backpressure); rejects if the connection closes first.
   */
  sendStr(data: string, compress?: boolean): Promise<void> {
    // Not `async`: a send the socket takes at once returns a promise made once
    // (see SENT); errors still come as a rejected promise, never a throw.
    if (typeof data !== 'string') return Promise.reject(new TypeError(`WebSocket.sendStr(): data must be a string, got ${describe(data)}`));
    try {
      return this.#send('sendStr', data, false, compress);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Send a binary message (resolves as `sendStr`). */
  sendBytes(data: Uint8Array, compress?: boolean): Promise<void> {
    if (!(data instanceof Uint8Array)) return Promise.reject(new TypeError(`WebSocket.sendBytes(): data must be a Buffer or Uint8Array, got ${describe(data)}`));
    try {
      return this.#send('sendBytes', data, true, compress);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Send a value as JSON text (`dumps` defaults to `JSON.stringify`; resolves as `sendStr`). */
  async sendJson(data: unknown, options?: { readonly compress?: boolean; readonly dumps?: (v: unknown) => string }): Promise<void> {
    checkOptions('WebSocket.sendJson()', options, SEND_JSON_OPTIONS);
    const text = (options?.dumps ?? JSON.stringify)(data);
    if (typeof text !== 'string') throw new TypeError('WebSocket.sendJson(): data is not serialisable to JSON');
    return this.#send('sendJson', text, false, options?.compress);
  }

  /** Send a ping frame (resolves as `sendStr`). */
  async ping(message: Uint8Array | string = ''): Promise<void> {
    const ws = this.#socket('ping');
    ws.ping(message, undefined, this.#onWritten);
    if (ws.bufferedAmount > SEND_HIGH_WATER) await this.#waitDrain();
  }

  /** Send a pong frame (needed by hand only with `autoping: false`; resolves as `sendStr`). */
  async pong(message: Uint8Array | string = ''): Promise<void> {
    const ws = this.#socket('pong');
    ws.pong(message, undefined, this.#onWritten);
    if (ws.bufferedAmount > SEND_HIGH_WATER) await this.#waitDrain();
  }

  /**
   * The next message. After the CLOSE message, every call returns CLOSED;
   * while `close()` runs, CLOSING.
   */
  receive(options?: ReceiveOptions): Promise<WSMessage> {
    // Without options or a default timeout (a receive loop's case), not
    // `async`: a message already queued costs one resolved promise, and a
    // wait is the waiter's own promise, which #push resolves with the message.
    if (options !== undefined || this.#receiveTimeout !== null) return this.#receiveWith(options);
    try {
      return this.#take(false) as Promise<WSMessage>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * @internal The next message as the `for await` iterator gives it: the
   * waiter is resolved with the IteratorResult itself, so an iteration costs
   * no promise more than a `receive()`. An error (a timeout, a second
   * receiver) ends `iter`; a cancellation ends the loop by itself.
   */
  _next(iter: { _fail(): void }): Promise<IteratorResult<WSMessage, undefined>> {
    if (this.#receiveTimeout !== null) {
      return this.#receiveWith(undefined).then(iteratorResult, (e: unknown) => {
        iter._fail();
        throw e;
      });
    }
    try {
      return this.#take(true) as Promise<IteratorResult<WSMessage, undefined>>;
    } catch (e) {
      iter._fail();
      return Promise.reject(e);
    }
  }

  // A message now, or a wait for the next one (as the current task: its
  // cancellation rejects the wait with CancelledError, and the message that
  // comes later stays queued).
  #take(iterates: boolean): Promise<unknown> {
    const queue = this.#queue;
    let msg: WSMessage;
    if (queue !== undefined && this.#head < queue.length) msg = this.#shift(queue);
    else {
      if (this.#peerClosed) this.#closed = true;
      if (this.#closed) msg = WS_CLOSED_MESSAGE;
      else if (this.#closing) msg = WS_CLOSING_MESSAGE;
      else {
        if (this.#ws === undefined) throw new InvalidStateError('WebSocket.receive(): not connected yet');
        if (this.#waiting()) throw new InvalidStateError('WebSocket.receive(): another receive() is already waiting');
        const w = (this.#waiter = new Future<unknown>());
        this.#waiterIterates = iterates;
        return suspend(w, undefined);
      }
    }
    return Promise.resolve(iterates ? iteratorResult(msg) : msg);
  }

  // receive() with a timeout or a signal.
  async #receiveWith(options: ReceiveOptions | undefined): Promise<WSMessage> {
    if (options !== undefined) checkOptions('WebSocket.receive()', options, RECEIVE_OPTIONS);
    const signal = toSignal('WebSocket.receive()', options?.signal);
    const timeout = options?.timeout === undefined ? this.#receiveTimeout : toOptionalDelay('WebSocket.receive()', 'timeout', options.timeout);
    const queue = this.#queue;
    if (queue !== undefined && this.#head < queue.length) return this.#shift(queue);
    if (this.#peerClosed) this.#closed = true;
    if (this.#closed) return WS_CLOSED_MESSAGE;
    if (this.#closing) return WS_CLOSING_MESSAGE;
    if (this.#ws === undefined) throw new InvalidStateError('WebSocket.receive(): not connected yet');
    if (this.#waiting()) throw new InvalidStateError('WebSocket.receive(): another receive() is already waiting');
    const w = (this.#waiter = new Future<unknown>());
    this.#waiterIterates = false;
    const timer = timeout === null ? undefined : setTimeout(() => {
      if (!w.done()) w.setException(new TimeoutError(`WebSocket.receive(): no message within ${timeout} s`));
    }, timeout * 1000);
    try {
      return (await suspend(w, signal)) as WSMessage;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (this.#waiter === w) this.#waiter = undefined;
    }
  }

  // A receive() waits (one cancelled or timed out does not).
  #waiting(): boolean {
    const w = this.#waiter;
    return w !== undefined && !w.done();
  }

  /** The next message, which must be TEXT. */
  async receiveStr(options?: ReceiveOptions): Promise<string> {
    const msg = await this.receive(options);
    if (msg.type !== WSMsgType.TEXT) throw new TypeError(`Received message ${wsMsgTypeName(msg.type)}:${String(msg.data)} is not WSMsgType.TEXT`);
    return msg.data;
  }

  /** The next message, which must be BINARY. */
  async receiveBytes(options?: ReceiveOptions): Promise<Buffer> {
    const msg = await this.receive(options);
    if (msg.type !== WSMsgType.BINARY) throw new TypeError(`Received message ${wsMsgTypeName(msg.type)}:${String(msg.data)} is not WSMsgType.BINARY`);
    return msg.data;
  }

  /** The next TEXT message, parsed as JSON (`loads` defaults to `JSON.parse`). */
  async receiveJson<T = unknown>(options?: ReceiveOptions & { readonly loads?: (text: string) => unknown }): Promise<T> {
    checkOptions('WebSocket.receiveJson()', options, RECEIVE_JSON_OPTIONS);
    const { loads = JSON.parse, ...rest } = options ?? {};
    const text = await this.receiveStr(rest);
    return loads(text) as T;
  }

  /**
   * Close with `code` and wait for the peer's answer (at most `closeTimeout`,
   * then the connection is dropped). Resolves false if it was already closed.
   */
  async close(options: CloseOptions = {}): Promise<boolean> {
    // Checked before any state changes: `ws` marks itself closing before it
    // validates, and a refused close must leave the socket open and usable.
    checkOptions('WebSocket.close()', options, CLOSE_OPTIONS);
    const code = options.code ?? WSCloseCode.OK;
    const message = options.message ?? '';
    checkClose(code, message);
    const ws = this.#ws;
    if (this.#peerClosed && !this.#closed) {
      // autoclose false: the peer closed and `ws` answered; this is the user's close.
      this.#closed = true;
      return true;
    }
    if (ws === undefined || this.#closed || this.#closing) {
      if (this.#closing && !this.#closed) await this.#waitClosed();
      return false;
    }
    this.#closing = true;
    this.#closeCode = code;
    this.#stopHeartbeat();
    const timer = setTimeout(() => ws.terminate(), this.#closeTimeout * 1000);
    try {
      ws.close(code, message);
      await this.#waitClosed();
    } catch (e) {
      // As aiohttp: a close() that stops waiting for the peer (cancelled)
      // drops the connection rather than leave it half closed forever.
      this.#closeCode = WSCloseCode.ABNORMAL_CLOSURE;
      ws.terminate();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return true;
  }

  async #waitClosed(): Promise<void> {
    const fut = new Future<void>();
    const waiters = (this.#closeWaiters ??= new Set());
    waiters.add(fut);
    try {
      await suspend(fut, undefined);
    } finally {
      waiters.delete(fut);
    }
  }

  /** Messages until the connection closes (CLOSE, CLOSING and CLOSED end the loop). */
  [Symbol.asyncIterator](): AsyncIterableIterator<WSMessage, undefined> {
    return new MessageIterator(this);
  }

  /** Same as `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #push(msg: WSMessage): void {
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      // A receive() waits: the queue is empty, the message is its own.
      if (!w.done()) {
        w.setResult(this.#waiterIterates ? iteratorResult(msg) : msg);
        return;
      }
    }
    const queue = (this.#queue ??= []);
    queue.push(msg);
    if (queue.length - this.#head > HIGH_WATER && this.#ws?.isPaused === false && !this.#closed) this.#ws.pause();
  }

  #shift(queue: WSMessage[]): WSMessage {
    const msg = queue[this.#head] as WSMessage;
    this.#head++;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024) {
      queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#ws?.isPaused === true && queue.length - this.#head <= HIGH_WATER / 2) this.#ws.resume();
    return msg;
  }

  #startHeartbeat(): void {
    const hb = this.#heartbeat;
    if (hb === null || this.#hb !== undefined || this.#closing || this.#closed) return;
    this.#hb = startHeartbeat(hb, () => this.#sendHeartbeat(), () => this.#pongMissed(hb));
  }

  #sendHeartbeat(): void {
    const ws = this.#ws;
    if (ws?.readyState === 1) ws.ping(undefined, undefined, this.#onWritten);
  }

  #pongMissed(hb: number): void {
    this.#hb = undefined;
    const err = this._heartbeatError(hb / 2);
    this.#exception ??= err;
    this.#closeCode = WSCloseCode.ABNORMAL_CLOSURE;
    this.#push({ type: WSMsgType.ERROR, data: err, extra: null });
    this.#ws?.terminate();
  }

  #stopHeartbeat(): void {
    this.#hb?.stop();
    this.#hb = undefined;
  }
}

// The close code `ws` sends when it fails the connection on bad input, from
// the error codes it documents; zlib's errors are a message that does not
// inflate (1007, as `ws`). Anything else did not fail with a close frame.
const FAIL_CODES: ReadonlyMap<string, number> = new Map([
  ['WS_ERR_INVALID_UTF8', WSCloseCode.INVALID_TEXT],
  ['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', WSCloseCode.MESSAGE_TOO_BIG],
  ['WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', WSCloseCode.MESSAGE_TOO_BIG],
  ['WS_ERR_TOO_MANY_BUFFERED_PARTS', WSCloseCode.POLICY_VIOLATION],
]);

function failCode(err: Error): number | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  const known = FAIL_CODES.get(code);
  if (known !== undefined) return known;
  if (code.startsWith('WS_ERR_')) return WSCloseCode.PROTOCOL_ERROR;
  if (code.startsWith('Z_')) return WSCloseCode.INVALID_TEXT;
  return null;
}

// The close codes an endpoint may send (RFC 6455 7.4 and the IANA registry,
// as `ws` accepts them): 1000-1014 but 1004 (reserved), 1005 and 1006 (never
// on the wire), and 3000-4999 for libraries and applications.
function checkClose(code: unknown, message: unknown): void {
  if (typeof code !== 'number' || !Number.isInteger(code)) throw new TypeError(`WebSocket.close(): code must be an integer, got ${describe(code)}`);
  if (!((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999))) {
    throw new RangeError(`WebSocket.close(): code ${code} may not be sent (use 1000-1003, 1007-1014 or 3000-4999)`);
  }
  if (typeof message !== 'string') throw new TypeError(`WebSocket.close(): message must be a string, got ${describe(message)}`);
  const n = Buffer.byteLength(message, 'utf8');
  if (n > 123) throw new RangeError(`WebSocket.close(): message must be at most 123 bytes in UTF-8, got ${n}`);
}
