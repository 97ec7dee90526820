/**
 * The event loop facade, as asyncio's `AbstractEventLoop`. It drives Node's
 * own event loop (there is no second one): `callSoon` is `setImmediate`,
 * `callLater` is `setTimeout`, `runForever` keeps the process alive until
 * `stop()`.
 * @module
 */
import { constants as osConstants } from 'node:os';
import { monotonic, timerMs } from './clock.js';
import { debugEnabled, setDebugEnabled, setSlowCallbackDuration, slowCallbackDuration } from './debug.js';
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { InvalidStateError } from './errors.js';
import { Future } from './future.js';
import { defaultExceptionHandler, getHandler, report, setHandler, type ExceptionContext, type ExceptionHandler } from './report.js';
import { Task, type TaskOptions } from './task.js';
import { describe, toDeadline, toDelay, toFunction } from './validate.js';

/** A callback scheduled with `callSoon`; `cancel()` stops it from running. */
export class Handle {
  #cancelled = false;
  readonly #cb: (...args: never[]) => unknown;
  readonly #args: unknown[];
  readonly #loop: EventLoop;

  /** @internal */
  constructor(loop: EventLoop, cb: (...args: never[]) => unknown, args: unknown[]) {
    this.#loop = loop;
    this.#cb = cb;
    this.#args = args;
  }

  /** Stop the callback from running (no effect once it ran). */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this._clear();
    this.#loop._forget(this);
  }

  /** True if `cancel()` was called. */
  cancelled(): boolean {
    return this.#cancelled;
  }

  /** @internal */
  _clear(): void {}

  /** @internal */
  _run(): void {
    if (this.#cancelled) return;
    this.#loop._forget(this);
    try {
      (this.#cb as (...args: unknown[]) => unknown)(...this.#args);
    } catch (e) {
      report({ message: `Exception in callback ${this.#cb.name || 'anonymous'}`, exception: e });
    }
  }
}

/** A callback scheduled with `callLater`/`callAt`. */
export class TimerHandle extends Handle {
  readonly #when: number;
  #timer: NodeJS.Timeout | undefined = undefined;

  /** @internal */
  constructor(loop: EventLoop, when: number, cb: (...args: never[]) => unknown, args: unknown[]) {
    super(loop, cb, args);
    this.#when = when;
  }

  /** When the callback is due, in `loop.time()` seconds. */
  when(): number {
    return this.#when;
  }

  /** @internal */
  _arm(): void {
    this.#timer = setTimeout(runHandle, timerMs(this.#when - monotonic()), this);
  }

  /** @internal */
  override _clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

function runHandle(h: Handle): void {
  h._run();
}

// Timer and immediate callbacks carry no task (see context.ts): a callback
// scheduled from a task runs with none, as asyncio runs loop callbacks with
// current_task() None, and does not keep the task alive.

// Node exits when nothing keeps its loop alive; asyncio's loop blocks until
// it is told to stop. This timer is that block.
const KEEP_ALIVE_MS = 0x7fffffff;

const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);

/**
 * The loop facade. Get the current one with {@link getEventLoop}.
 * @example
 * const loop = getEventLoop();
 * loop.callLater(1, () => loop.stop());
 * await loop.runForever();
 */
export class EventLoop {
  #closed = false;
  #running = false;
  #stopping = false;
  #stop: (() => void) | undefined = undefined;
  readonly #handles = new Set<Handle>();
  readonly #signals = new Map<NodeJS.Signals, () => void>();

  /** Monotonic time in seconds; the clock of `callAt` and timeouts. */
  time(): number {
    return monotonic();
  }

  /** Run `cb(...args)` soon (on the next turn of the loop). */
  callSoon<A extends unknown[]>(cb: (...args: A) => unknown, ...args: A): Handle {
    this.#checkOpen();
    toFunction('callSoon()', 'callback', cb);
    const h = new Handle(this, cb, args);
    this.#handles.add(h);
    setImmediate(runHandle, h);
    return h;
  }

  /** Run `cb(...args)` after `delay` seconds. */
  callLater<A extends unknown[]>(delay: number, cb: (...args: A) => unknown, ...args: A): TimerHandle {
    const d = toDelay('callLater()', 'delay', delay);
    toFunction('callLater()', 'callback', cb);
    return this.callAt(this.time() + d, cb, ...args);
  }

  /** Run `cb(...args)` at `when` (`loop.time()` seconds). */
  callAt<A extends unknown[]>(when: number, cb: (...args: A) => unknown, ...args: A): TimerHandle {
    this.#checkOpen();
    const w = toDeadline('callAt()', 'when', when);
    if (w === null) throw new RangeError('callAt(): when must be a finite number');
    toFunction('callAt()', 'callback', cb);
    const h = new TimerHandle(this, w, cb, args);
    this.#handles.add(h);
    h._arm();
    return h;
  }

  /** Start `fn` as a task (as {@link createTask}). */
  createTask<T>(fn: () => T | PromiseLike<T>, options?: TaskOptions): Task<T> {
    this.#checkOpen();
    return new Task(fn, options);
  }

  /** A new pending `Future`. */
  createFuture<T>(): Future<T> {
    this.#checkOpen();
    return new Future<T>();
  }

  /**
   * Wait for `aw` (a promise, a task, or a function run as a task) and return
   * its result. JavaScript cannot block, so this returns a promise: `await` it.
   * Until then the process stays alive, as asyncio's loop does, even when
   * `aw` waits on nothing but a signal handler. A `stop()` meanwhile makes it
   * throw `InvalidStateError` after one more turn of the loop unless `aw` is
   * done by then (asyncio raises `RuntimeError`); `aw` itself runs on.
   */
  async runUntilComplete<T>(aw: Awaitable<T>): Promise<T> {
    this.#checkOpen();
    if (this.#running) throw new InvalidStateError('This event loop is already running');
    const fut = ensureFuture(aw, 'runUntilComplete()');
    if (fut.done()) return fut.result();
    this.#running = true;
    const keepAlive = setInterval(noop, KEEP_ALIVE_MS);
    const stopped = new Promise<never>((_resolve, reject) => {
      this.#stop = () => setImmediate(reject, new InvalidStateError('runUntilComplete(): the event loop was stopped before the future completed'));
    });
    try {
      return await Promise.race([fut, stopped]);
    } finally {
      clearInterval(keepAlive);
      this.#stop = undefined;
      this.#running = false;
    }
  }

  /**
   * Keep the process alive until `stop()` is called. If `stop()` was called
   * before, run the callbacks already due once and return (as asyncio).
   */
  async runForever(): Promise<void> {
    this.#checkOpen();
    if (this.#running) throw new InvalidStateError('This event loop is already running');
    this.#running = true;
    const keepAlive = setInterval(noop, KEEP_ALIVE_MS);
    try {
      await new Promise<void>((resolve) => {
        this.#stop = resolve;
        // An earlier stop(): one turn of the loop, then return.
        if (this.#stopping) setImmediate(resolve);
      });
    } finally {
      clearInterval(keepAlive);
      this.#stop = undefined;
      this.#stopping = false;
      this.#running = false;
    }
  }

  /**
   * Make `runForever()` return (the next one, if it is not running), or a
   * running `runUntilComplete()` throw.
   */
  stop(): void {
    const stop = this.#stop;
    if (stop !== undefined) stop();
    else if (!this.#running) this.#stopping = true;
  }

  /** True while `runForever()` or `runUntilComplete()` is waiting. */
  isRunning(): boolean {
    return this.#running;
  }

  /** True once `close()` was called. */
  isClosed(): boolean {
    return this.#closed;
  }

  /** Close the loop: pending callbacks are dropped; further use throws. */
  close(): void {
    if (this.#running) throw new InvalidStateError('Cannot close a running event loop');
    if (this.#closed) return;
    this.#closed = true;
    for (const h of [...this.#handles]) h.cancel();
    for (const sig of [...this.#signals.keys()]) this.removeSignalHandler(sig);
  }

  /** Call `cb(...args)` when the process receives `sig` (e.g. 'SIGTERM'). */
  addSignalHandler<A extends unknown[]>(sig: NodeJS.Signals, cb: (...args: A) => unknown, ...args: A): void {
    this.#checkOpen();
    if (typeof sig !== 'string' || !(sig in osConstants.signals)) throw new TypeError(`addSignalHandler(): unknown signal ${describe(sig)}`);
    if (UNCATCHABLE.has(sig)) throw new RangeError(`addSignalHandler(): ${sig} cannot be caught`);
    toFunction('addSignalHandler()', 'callback', cb);
    this.removeSignalHandler(sig);
    const listener = (): void => {
      this.callSoon(cb, ...args);
    };
    this.#signals.set(sig, listener);
    process.on(sig, listener);
  }

  /** Remove the handler for `sig`; returns false if there was none. */
  removeSignalHandler(sig: NodeJS.Signals): boolean {
    const listener = this.#signals.get(sig);
    if (listener === undefined) return false;
    this.#signals.delete(sig);
    process.off(sig, listener);
    return true;
  }

  /** Turn debug mode on or off (see docs/core.md, "Debug mode"). */
  setDebug(enabled: boolean): void {
    setDebugEnabled(Boolean(enabled));
  }

  /** True in debug mode. */
  getDebug(): boolean {
    return debugEnabled();
  }

  /** In debug mode, a step longer than this (seconds) is logged. @default 0.1 */
  get slowCallbackDuration(): number {
    return slowCallbackDuration();
  }

  set slowCallbackDuration(seconds: number) {
    setSlowCallbackDuration(toDelay('slowCallbackDuration', 'seconds', seconds));
  }

  /** Replace what receives errors nobody handled (null: the default). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') throw new TypeError('setExceptionHandler(): handler must be a function or null');
    setHandler(handler);
  }

  /** The handler set with `setExceptionHandler`, or null. */
  getExceptionHandler(): ExceptionHandler | null {
    return getHandler();
  }

  /** Report an error through the current exception handler. */
  callExceptionHandler(context: ExceptionContext): void {
    report(context);
  }

  /** The default handler: logs to stderr. */
  defaultExceptionHandler(context: ExceptionContext): void {
    defaultExceptionHandler(context);
  }

  /**
   * Serve with a server factory, as asyncio's `loop.create_server` in the
   * seed: `await loop.createServer(app.makeHandler(), '127.0.0.1', 8000)`.
   */
  async createServer<S>(factory: ServerFactory<S>, host?: string, port?: number): Promise<S> {
    this.#checkOpen();
    if (typeof factory !== 'object' || factory === null || typeof (factory as Partial<ServerFactory<S>>)[kServerFactory] !== 'function') {
      throw new TypeError('createServer(): factory must be a server factory such as app.makeHandler()');
    }
    return factory[kServerFactory](host, port);
  }

  /** @internal */
  _forget(h: Handle): void {
    this.#handles.delete(h);
  }

  #checkOpen(): void {
    if (this.#closed) throw new InvalidStateError('Event loop is closed');
  }
}

/** The key a server factory implements for `loop.createServer`. */
export const kServerFactory: unique symbol = Symbol.for('aiots.serverFactory');

/** Something `loop.createServer` can serve with (e.g. `app.makeHandler()`). */
export interface ServerFactory<S> {
  [kServerFactory](host: string | undefined, port: number | undefined): Promise<S>;
}

let currentLoop: EventLoop | undefined;

/** The current event loop, created on first use (asyncio's `get_event_loop()`). */
export function getEventLoop(): EventLoop {
  return (currentLoop ??= new EventLoop());
}

/** A new event loop (make it current with {@link setEventLoop}). */
export function newEventLoop(): EventLoop {
  return new EventLoop();
}

/** Make `loop` the one {@link getEventLoop} returns (null: make a new one next time). */
export function setEventLoop(loop: EventLoop | null): void {
  if (loop !== null && !(loop instanceof EventLoop)) throw new TypeError('setEventLoop(): loop must be an EventLoop or null');
  currentLoop = loop ?? undefined;
}

function noop(): void {}
