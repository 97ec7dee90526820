/**
 * The event loop facade, as asyncio's `AbstractEventLoop`. It drives Node's
 * own event loop (there is no second one): `callSoon` and `callLater` go
 * through one timer queue (timer-queue.ts) that runs what falls due in one
 * turn, `runForever` keeps the process alive until `stop()`.
 * @module
 */
import { constants as osConstants } from 'node:os';
import { monotonic } from './clock.js';
import { debugEnabled, setDebugEnabled, setSlowCallbackDuration, slowCallbackDuration } from './debug.js';
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { InvalidStateError, isCancellation } from './errors.js';
import { ThreadPoolExecutor, isExecutor, shutdownWithin, type Executor } from './executor.js';
import { Future, isThenable } from './future.js';
import { Handle, TimerHandle, scheduleSoon } from './handles.js';
import { SigintWatch, keyboardInterrupt } from './interrupt.js';
import { defaultExceptionHandler, reportTo, setAmbientHandler, type ExceptionContext, type ExceptionHandler } from './report.js';
import { Task, type TaskOptions } from './task.js';
import { describe, toDeadline, toDelay, toFunction } from './validate.js';
import type { Server } from './streams/server.js';
import { createConnection, createUnixConnection, type CreateConnectionOptions, type CreateUnixConnectionOptions } from './transports/connection.js';
import { createDatagramEndpoint, type DatagramEndpointOptions } from './transports/datagram-endpoint.js';
import type { DatagramTransport } from './transports/datagram-transport.js';
import { createProtocolServer, createUnixProtocolServer, type CreateServerOptions, type CreateUnixServerOptions } from './transports/protocol-server.js';
import type { DatagramProtocol, ProtocolFactory, StreamProtocol } from './transports/protocol.js';
import type { Transport } from './transports/transport.js';

export { Handle, TimerHandle } from './handles.js';

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
  #keepAlive: NodeJS.Timeout | undefined = undefined;
  #exceptionHandler: ExceptionHandler | null = null;
  #defaultExecutor: Executor | undefined = undefined;
  #executorShutdown = false;
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
    scheduleSoon(h);
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
   * done by then (asyncio raises `RuntimeError`); `aw` itself runs on. SIGINT
   * (when the program has no SIGINT handler of its own) cancels `aw`, waits
   * for it, then throws `KeyboardInterrupt`, as `run()` does.
   */
  async runUntilComplete<T>(aw: Awaitable<T>): Promise<T> {
    this.#checkCanRun();
    const fut = ensureFuture(aw, 'runUntilComplete()');
    if (fut.done()) {
      // asyncio runs one iteration even then, and it uses up an earlier stop().
      this.#stopping = false;
      return fut.result();
    }
    this._enter();
    try {
      return await this._runUntil(fut, 'runUntilComplete()');
    } finally {
      this._leave();
    }
  }

  /** @internal Wait for `fut` as `runUntilComplete()` does, in a loop already entered. */
  async _runUntil<T>(fut: Future<T>, where: string): Promise<T> {
    const sigint = new SigintWatch(() => fut.cancel('interrupted (SIGINT)'));
    const stopped = new Promise<never>((_resolve, reject) => {
      this.#stop = () => setImmediate(reject, new InvalidStateError(`${where}: the event loop was stopped before the future completed`));
      // A stop() made while the loop was idle applies to this run, once (asyncio).
      if (this.#stopping) {
        this.#stopping = false;
        this.#stop();
      }
    });
    try {
      return await Promise.race([fut, stopped]);
    } catch (e) {
      // As asyncio's Runner: KeyboardInterrupt only when SIGINT's cancel was
      // the task's only one (a task cancelled before ends in CancelledError).
      if (sigint.interrupted && isCancellation(e) && (!(fut instanceof Task) || fut.uncancel() === 0)) throw keyboardInterrupt(e);
      throw e;
    } finally {
      sigint.dispose();
      this.#stop = undefined;
    }
  }

  /**
   * Keep the process alive until `stop()` is called. If `stop()` was called
   * before, run the callbacks already due once and return (as asyncio).
   * SIGINT (when the program has no SIGINT handler of its own) makes it throw
   * `KeyboardInterrupt`, as Python's `loop.run_forever()` does.
   */
  async runForever(): Promise<void> {
    this.#checkCanRun();
    this._enter();
    let interrupt: ((e: unknown) => void) | undefined;
    const stopped = new Promise<void>((resolve, reject) => {
      this.#stop = resolve;
      interrupt = reject;
      // An earlier stop(): one turn of the loop, then return.
      if (this.#stopping) setImmediate(resolve);
    });
    const sigint = new SigintWatch(() => interrupt?.(keyboardInterrupt()));
    try {
      await stopped;
    } finally {
      sigint.dispose();
      this.#stop = undefined;
      this.#stopping = false;
      this._leave();
    }
  }

  /** @internal Mark the loop running (`run()` holds it so through its shutdown). */
  _enter(): void {
    this.#checkCanRun();
    this.#running = true;
    runningLoop = this;
    this.#keepAlive = setInterval(noop, KEEP_ALIVE_MS);
  }

  /** @internal */
  _leave(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    this.#running = false;
    if (runningLoop === this) runningLoop = undefined;
  }

  /**
   * Make `runForever()` return, or `runUntilComplete()` throw unless its
   * future is done within one more turn. Made while the loop is idle, it
   * applies to the next run, once (as asyncio).
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
    // As asyncio's close(): the default executor takes no more calls; those
    // running end on their own.
    this.#executorShutdown = true;
    const ex = this.#defaultExecutor;
    this.#defaultExecutor = undefined;
    ex?.shutdown({ wait: false }).catch((e: unknown) => this.callExceptionHandler({ message: 'Error shutting down the default executor', exception: e }));
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
    this.#exceptionHandler = handler;
  }

  /** The handler set with `setExceptionHandler` on this loop, or null. */
  getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }

  /** Report an error through this loop's exception handler. */
  callExceptionHandler(context: ExceptionContext): void {
    reportTo(this.#exceptionHandler, context);
  }

  /** The default handler: logs to stderr. */
  defaultExceptionHandler(context: ExceptionContext): void {
    defaultExceptionHandler(context);
  }

  /**
   * Listen on `host:port`, as asyncio's `loop.create_server`: with a protocol
   * factory, each connection gets a new protocol and a {@link Transport}, and
   * the result is a {@link Server}; with a server factory (the seed's
   * `app.makeHandler()`), the factory decides what serves and what is returned.
   * @example
   * const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 8888);
   * await server.serveForever();
   */
  createServer<S>(factory: ServerFactory<S>, host?: string, port?: number): Promise<S>;
  createServer(protocolFactory: ProtocolFactory<StreamProtocol>, host?: string | null, port?: number, options?: CreateServerOptions): Promise<Server>;
  async createServer(factory: unknown, host?: string | null, port?: number, options?: CreateServerOptions): Promise<unknown> {
    this.#checkOpen();
    if (typeof factory === 'function') return createProtocolServer(factory as ProtocolFactory<StreamProtocol>, host, port, options);
    if (typeof factory !== 'object' || factory === null || typeof (factory as Partial<ServerFactory<unknown>>)[kServerFactory] !== 'function') {
      throw new TypeError('createServer(): factory must be a protocol factory (a function) or a server factory such as app.makeHandler()');
    }
    return (factory as ServerFactory<unknown>)[kServerFactory](host ?? undefined, port);
  }

  /** As `createServer` with a protocol factory, on the Unix socket `path` (asyncio's `create_unix_server`). */
  async createUnixServer(protocolFactory: ProtocolFactory<StreamProtocol>, path: string, options?: CreateUnixServerOptions): Promise<Server> {
    this.#checkOpen();
    return createUnixProtocolServer(protocolFactory, path, options);
  }

  /**
   * Connect to `host:port` and hand the connection to `protocolFactory()`'s
   * protocol, as asyncio's `loop.create_connection`. Cancelling the calling
   * task (or `signal`, or `timeout`) while connecting destroys the socket.
   * @example
   * const [transport, protocol] = await loop.createConnection(() => new ClientProtocol(), '127.0.0.1', 8888);
   */
  async createConnection<P extends StreamProtocol>(protocolFactory: ProtocolFactory<P>, host: string, port: number, options?: CreateConnectionOptions): Promise<[Transport, P]> {
    this.#checkOpen();
    return createConnection(protocolFactory, host, port, options);
  }

  /** As `createConnection`, to the Unix socket `path` (asyncio's `create_unix_connection`). */
  async createUnixConnection<P extends StreamProtocol>(protocolFactory: ProtocolFactory<P>, path: string, options?: CreateUnixConnectionOptions): Promise<[Transport, P]> {
    this.#checkOpen();
    return createUnixConnection(protocolFactory, path, options);
  }

  /**
   * A UDP endpoint, as asyncio's `loop.create_datagram_endpoint`.
   * @example
   * const [transport, protocol] = await loop.createDatagramEndpoint(() => new EchoServerProtocol(), { localAddr: ['127.0.0.1', 9999] });
   */
  async createDatagramEndpoint<P extends DatagramProtocol>(protocolFactory: ProtocolFactory<P>, options?: DatagramEndpointOptions): Promise<[DatagramTransport, P]> {
    this.#checkOpen();
    return createDatagramEndpoint(protocolFactory, options);
  }

  /**
   * Run `fn(...args)` in `executor`, as asyncio's `loop.run_in_executor`.
   * `null` is the loop's default executor: the one given to
   * `setDefaultExecutor`, else a {@link ThreadPoolExecutor} on `toThread`'s
   * pool (so `fn` follows `toThread`'s rules). The `Future` it returns is
   * cancelled with the task awaiting it, and that cancels the call.
   * @example
   * const n = await getRunningLoop().runInExecutor(null, (x: number) => x * 2, 21);
   */
  runInExecutor<A extends unknown[], R>(executor: Executor | null, fn: (...args: A) => R | PromiseLike<R>, ...args: A): Future<Awaited<R>> {
    this.#checkOpen();
    toFunction('runInExecutor()', 'fn', fn);
    let ex: Executor;
    if (executor === null) {
      if (this.#executorShutdown) throw new InvalidStateError('runInExecutor(): the default executor was shut down');
      ex = this.#defaultExecutor ??= new ThreadPoolExecutor();
    } else if (isExecutor(executor)) ex = executor;
    else throw new TypeError(`runInExecutor(): executor must be an Executor or null, got ${describe(executor)}`);
    const fut: unknown = ex.submit(fn, ...args);
    if (fut instanceof Future) return fut as Future<Awaited<R>>;
    // A home-made executor may hand back a plain promise.
    if (isThenable(fut)) return ensureFuture(fut as PromiseLike<Awaited<R>>);
    throw new TypeError(`runInExecutor(): the executor's submit() must return a Future or a promise, got ${describe(fut)}`);
  }

  /** Make `executor` what `runInExecutor(null, ...)` uses. */
  setDefaultExecutor(executor: Executor): void {
    if (!isExecutor(executor)) throw new TypeError(`setDefaultExecutor(): executor must be an Executor (submit and shutdown), got ${describe(executor)}`);
    this.#defaultExecutor = executor;
  }

  /**
   * Shut the default executor down and wait for its calls, at most `timeout`
   * seconds (null: no limit), as asyncio's `shutdown_default_executor`; then
   * `runInExecutor(null, ...)` throws. Past the limit: a `RuntimeWarning`,
   * and the calls end on their own. `run()` and `Runner` call it at the end.
   */
  async shutdownDefaultExecutor(timeout: number | null = 300): Promise<void> {
    const limit = timeout === null ? null : toDelay('shutdownDefaultExecutor()', 'timeout', timeout);
    this.#executorShutdown = true;
    const ex = this.#defaultExecutor;
    if (ex === undefined) return;
    this.#defaultExecutor = undefined;
    await shutdownWithin(ex, limit);
  }

  /** @internal */
  _forget(h: Handle): void {
    this.#handles.delete(h);
  }

  #checkOpen(): void {
    if (this.#closed) throw new InvalidStateError('Event loop is closed');
  }

  #checkCanRun(): void {
    this.#checkOpen();
    if (this.#running) throw new InvalidStateError('This event loop is already running');
    // One loop runs at a time, as one per thread in asyncio: getRunningLoop()
    // and getEventLoop() inside it must name one loop.
    if (runningLoop !== undefined) throw new InvalidStateError('Cannot run the event loop while another loop is running');
  }
}

/** The key a server factory implements for `loop.createServer`. */
export const kServerFactory: unique symbol = Symbol.for('aiots.serverFactory');

/** Something `loop.createServer` can serve with (e.g. `app.makeHandler()`). */
export interface ServerFactory<S> {
  [kServerFactory](host: string | undefined, port: number | undefined): Promise<S>;
}

let currentLoop: EventLoop | undefined;
let runningLoop: EventLoop | undefined;

setAmbientHandler(() => (runningLoop ?? currentLoop)?.getExceptionHandler() ?? null);

/**
 * The running event loop, as `asyncio.get_running_loop()`: the one in
 * `run()`, `runUntilComplete()` or `runForever()`. Outside of those it throws
 * `InvalidStateError` (asyncio's `RuntimeError: no running event loop`).
 * @example
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   loop.callLater(1, () => console.log('one second later'));
 * });
 */
export function getRunningLoop(): EventLoop {
  if (runningLoop === undefined) throw new InvalidStateError('no running event loop');
  return runningLoop;
}

/**
 * The running event loop if there is one, else the current one, created on
 * first use (asyncio's `get_event_loop()`).
 */
export function getEventLoop(): EventLoop {
  return runningLoop ?? (currentLoop ??= new EventLoop());
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
