/**
 * `Future`: a result that will arrive later, as `asyncio.Future`. It is
 * awaitable (a thenable), can be cancelled, and tells the task that awaits it
 * so that cancelling that task cancels what it waits on.
 * @module
 */
import { current } from './context.js';
import { CancelledError, InvalidStateError, isCancellation } from './errors.js';
import { report } from './report.js';

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const CANCELLED = 3;
type State = typeof PENDING | typeof FULFILLED | typeof REJECTED | typeof CANCELLED;
// #flags: the result was read (no "never retrieved" report); the failure is
// registered for that report; #promise was adopted from the owner and not
// yet handed to anyone; it was adopted and handed out.
const RETRIEVED = 1;
const TRACKED = 2;
const ADOPTED = 4;
const HANDED = 8;

/** Notified synchronously when a future settles (internal protocol, not exported from the package). */
export interface FutureListener {
  _futureDone(fut: Future<unknown>): void;
}

interface Unretrieved {
  readonly error: unknown;
  readonly name: string | undefined;
  readonly traceback: string | undefined;
}

// asyncio logs "exception was never retrieved" when a failed future is
// collected; registration happens only on failure, so success costs nothing.
const unretrieved = new FinalizationRegistry<Unretrieved>((held) => {
  report({
    message: held.name === undefined ? 'Future exception was never retrieved' : 'Task exception was never retrieved',
    exception: held.error,
    ...(held.name === undefined ? {} : { task: held.name }),
    ...(held.traceback === undefined ? {} : { sourceTraceback: held.traceback }),
  });
});

/**
 * A placeholder for a result, as `asyncio.Future`. Await it, or read it with
 * `result()` once `done()`.
 * @example
 * const fut = new Future<number>();
 * setTimeout(() => fut.setResult(42), 10);
 * console.log(await fut); // 42
 */
export class Future<T = unknown> implements PromiseLike<T> {
  #state: State = PENDING;
  // The value once fulfilled, the error once rejected or cancelled.
  #result: unknown = undefined;
  #promise: Promise<T> | undefined = undefined;
  // Typed loosely so that Future<T> stays assignable to Future<unknown>.
  #resolve: ((value: unknown) => void) | undefined = undefined;
  #reject: ((error: unknown) => void) | undefined = undefined;
  #listeners: FutureListener | FutureListener[] | undefined = undefined;
  #callbacks: ((fut: never) => void)[] | undefined = undefined;
  #flags = 0;

  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this.#state !== PENDING;
  }

  /** True if the future was cancelled. */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /**
   * The result. Throws `InvalidStateError` if not done, the exception if it
   * failed, `CancelledError` if it was cancelled.
   */
  result(): T {
    if (this.#state === PENDING) throw new InvalidStateError('Result is not set: the future is not done');
    this.#markRetrieved();
    if (this.#state !== FULFILLED) throw this.#result;
    return this.#result as T;
  }

  /**
   * The exception, or `null` if the future succeeded. Throws
   * `InvalidStateError` if not done and `CancelledError` if cancelled.
   */
  exception(): unknown {
    if (this.#state === PENDING) throw new InvalidStateError('Exception is not set: the future is not done');
    if (this.#state === CANCELLED) throw this.#result;
    this.#markRetrieved();
    return this.#state === REJECTED ? this.#result : null;
  }

  /**
   * Cancel the future: if pending, it becomes cancelled and its awaiters get
   * `CancelledError`. Returns false if it was already done.
   */
  cancel(msg?: string): boolean {
    if (this.#state !== PENDING) return false;
    this._settle(CANCELLED, undefined, new CancelledError(msg));
    return true;
  }

  /** Mark the future done with `value`. Throws `InvalidStateError` if already done. */
  setResult(value: T): void {
    if (this.#state !== PENDING) throw new InvalidStateError('setResult(): the future is already done');
    this._settle(FULFILLED, value, undefined);
  }

  /** Mark the future failed with `error`. Throws `InvalidStateError` if already done. */
  setException(error: unknown): void {
    if (this.#state !== PENDING) throw new InvalidStateError('setException(): the future is already done');
    this._settle(REJECTED, undefined, error);
  }

  /**
   * Call `fn(future)` once the future is done (soon, if it already is).
   * @example
   * task.addDoneCallback((t) => console.log(t.getName(), 'finished'));
   */
  addDoneCallback(fn: (fut: this) => void): void {
    if (typeof fn !== 'function') throw new TypeError('addDoneCallback(): fn must be a function');
    if (this.#state !== PENDING) {
      // A queued microtask carries no task: callbacks run outside any, as in asyncio.
      queueMicrotask(() => runCallback(fn, this));
      return;
    }
    (this.#callbacks ??= []).push(fn);
  }

  /** Remove every registration of `fn`; returns how many were removed. */
  removeDoneCallback(fn: (fut: this) => void): number {
    const cbs = this.#callbacks;
    if (cbs === undefined) return 0;
    const kept = cbs.filter((cb) => cb !== (fn as unknown));
    this.#callbacks = kept;
    return cbs.length - kept.length;
  }

  /**
   * Awaiting a future from inside a task registers it as what the task waits
   * on: cancelling the task cancels the future, as in asyncio.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this.#state === PENDING) {
      const task = current();
      if (task !== undefined) {
        if ((task as unknown) === this) {
          return Promise.reject(new InvalidStateError(`Task ${task.getName()} cannot await itself`)).then(onfulfilled, onrejected);
        }
        task._waitThen(this);
      }
    }
    return this._promise().then(onfulfilled, onrejected);
  }

  /** As `Promise.prototype.catch`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }

  /** As `Promise.prototype.finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this._promise().finally(onfinally);
  }

  get [Symbol.toStringTag](): string {
    return 'Future';
  }

  /** @internal The promise behind the future, created on first use. */
  _promise(): Promise<T> {
    this.#markRetrieved();
    let p = this.#promise;
    if (p !== undefined) {
      if ((this.#flags & ADOPTED) !== 0) this.#flags ^= ADOPTED | HANDED;
      return p;
    }
    if (this.#state === FULFILLED) p = Promise.resolve(this.#result as T);
    else if (this.#state === PENDING) {
      p = new Promise<T>(capture);
      this.#resolve = captured.resolve;
      this.#reject = captured.reject;
      captured.resolve = captured.reject = undefined;
    } else p = Promise.reject(this.#result);
    this.#promise = p;
    return p;
  }

  /**
   * @internal Use `p` as the promise behind this future if none was made yet;
   * true if adopted. The owner must settle `p` as the future settles, with
   * the future's outcome once `_handedOut()` (and must not reject it before:
   * nobody may be listening). Saves a promise and its resolving functions.
   */
  _adopt(p: Promise<T>): boolean {
    if (this.#promise !== undefined) return false;
    this.#promise = p;
    this.#flags |= ADOPTED;
    return true;
  }

  /** @internal The adopted promise was handed out: settle it with the outcome. */
  _handedOut(): boolean {
    return (this.#flags & HANDED) !== 0;
  }

  /** @internal */
  _listen(listener: FutureListener): void {
    const ls = this.#listeners;
    if (ls === undefined) this.#listeners = listener;
    else if (Array.isArray(ls)) ls.push(listener);
    else this.#listeners = [ls, listener];
  }

  /** @internal */
  _unlisten(listener: FutureListener): void {
    const ls = this.#listeners;
    if (ls === listener) this.#listeners = undefined;
    else if (Array.isArray(ls)) {
      const i = ls.indexOf(listener);
      if (i >= 0) ls.splice(i, 1);
    }
  }

  /** @internal The error a cancelled future holds. */
  _cancelError(): CancelledError | undefined {
    return this.#state === CANCELLED ? (this.#result as CancelledError) : undefined;
  }

  /** @internal Name used in "never retrieved" reports; tasks override it. */
  _reportName(): string | undefined {
    return undefined;
  }

  /** @internal Creation traceback in debug mode; tasks override it. */
  _sourceTraceback(): string | undefined {
    return undefined;
  }

  /** @internal */
  _settle(state: State, value: T | undefined, error: unknown): void {
    this.#state = state;
    this.#result = state === FULFILLED ? value : error;
    if (state === FULFILLED) this.#resolve?.(value);
    else {
      this.#reject?.(error);
      if (state === REJECTED && (this.#flags & RETRIEVED) === 0 && !isCancellation(error)) {
        this.#flags |= TRACKED;
        // V8 keeps the raw stack frames (and their receivers: this very task)
        // until `stack` is read; the held value must not reach the target.
        if (error instanceof Error) void error.stack;
        unretrieved.register(this, { error, name: this._reportName(), traceback: this._sourceTraceback() }, this);
      }
    }
    this.#resolve = undefined;
    this.#reject = undefined;
    // An adopted promise nobody took will not carry the outcome: drop it.
    if ((this.#flags & ADOPTED) !== 0) {
      this.#flags &= ~ADOPTED;
      this.#promise = undefined;
    }
    const ls = this.#listeners;
    if (ls !== undefined) {
      this.#listeners = undefined;
      if (Array.isArray(ls)) for (const l of ls) l._futureDone(this);
      else ls._futureDone(this);
    }
    const cbs = this.#callbacks;
    if (cbs !== undefined && cbs.length > 0) {
      this.#callbacks = undefined;
      queueMicrotask(() => {
        for (const cb of cbs) runCallback(cb as (fut: this) => void, this);
      });
    }
  }

  #markRetrieved(): void {
    const f = this.#flags;
    if ((f & RETRIEVED) !== 0) return;
    this.#flags = (f | RETRIEVED) & ~TRACKED;
    if ((f & TRACKED) !== 0) unretrieved.unregister(this);
  }
}

// One executor for every future's promise: it hands the resolving functions
// over through a module variable, so no closure is made per future.
const captured: { resolve: ((value: unknown) => void) | undefined; reject: ((error: unknown) => void) | undefined } = { resolve: undefined, reject: undefined };

function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  captured.resolve = resolve as (value: unknown) => void;
  captured.reject = reject;
}

function runCallback<F>(cb: (fut: F) => void, fut: F): void {
  try {
    cb(fut);
  } catch (e) {
    report({ message: 'Exception in done callback', exception: e });
  }
}

/** @internal */
export const FutureState = { PENDING, FULFILLED, REJECTED, CANCELLED } as const;

/** @internal True for any object with a callable `then`. */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
