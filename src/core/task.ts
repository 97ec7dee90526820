/**
 * `Task`: a function running as its own cancellable unit of work, as
 * `asyncio.Task`. The task is found from inside through its promises (see
 * context.ts), so aiots awaits (sleep, queue get, lock acquire, ...) reject with
 * `CancelledError` when the task is cancelled, without a signal threaded by hand.
 * @module
 */
import { current, jobSeq, leave, runIn } from './context.js';
import { captureTraceback, debugEnabled, noteTaskStep } from './debug.js';
import { CancelledError, InvalidStateError, isCancellation } from './errors.js';
import { Future, FutureState, isThenable } from './future.js';
import { toFunction } from './validate.js';
import { checkOptions, knownOptions } from './options.js';

const TASK_OPTIONS = knownOptions('name');

/** Options of {@link createTask}. */
export interface TaskOptions {
  /** A name for logs and debugging. @default `Task-N` */
  readonly name?: string;
}

const STARTED = 1;
const MUST_CANCEL = 2;
const ABANDONABLE = 4;
// A CancelledError was just handed to the task's waiter and the task has not
// resumed yet: a second cancel() now is the same one (asyncio clears its
// pending request when it throws the error in), so only cancelling() counts it.
const DELIVERING = 8;
// Some link was made by a `then()` (await, Promise.race/all over a future);
// #waiter is such a link. See _waitThen.
const THEN_LINKED = 16;
const WAITER_BY_THEN = 32;
// The cancellation went to a bare promise's wrapper, which ended at once
// while the promise runs on in this task: a primitive of that promise that
// resumes holding a resource (a queue item) must still see the cancellation,
// as it would with no wrapper. Taken by _checkCancel() only; dropped when
// the task waits on something new.
const ABANDONED_CANCEL = 64;
// Above the flags, the promise job in which the then() links were made
// (modulo 2^23, to stay a small integer: two jobs 2^23 apart look alike, and
// then the older links are only kept, as before this was tracked).
const BATCH_SHIFT = 7;
const FLAG_BITS = (1 << BATCH_SHIFT) - 1;
const BATCH_MASK = 0x7fffff;

/** A task's cancellation state and debug traceback, made on first use. */
interface Rare {
  /** How many cancel() calls are pending (asyncio's `cancelling()`). */
  requested: number;
  message: string | undefined;
  /** Futures waited on beyond the first (gather, wait, select-like awaits). */
  waiters: Set<Future<unknown>> | undefined;
  /** Those of `waiters` linked by a `then()`, dropped once the task moves on. */
  byThen: Set<Future<unknown>> | undefined;
  controller: AbortController | undefined;
  traceback: string | undefined;
}

// The tasks not yet done, as a list threaded through the tasks themselves:
// adding and removing allocate nothing, where a Set of many thousands of
// tasks would rehash (and leave its old table to the collector) as it grows
// and shrinks.
let first: Task<unknown> | undefined;
let counter = 0;

/**
 * A running function, as `asyncio.Task`: awaitable, cancellable, with a
 * result. Create one with {@link createTask}.
 * @example
 * const t = createTask(async () => { await sleep(1); return 'done'; });
 * t.cancel();
 * await t; // throws CancelledError
 */
export class Task<T = unknown> extends Future<T> {
  #fn: (() => T | PromiseLike<T>) | undefined;
  // The default name is built on first use: most tasks are never named.
  #name: string | number;
  #flags = 0;
  #waiter: Future<unknown> | undefined = undefined;
  // What most tasks never need lives apart, made on first use: every field a
  // task starts with costs each of the many short tasks a server makes.
  #rare: Rare | undefined = undefined;
  #prev: Task<unknown> | undefined = undefined;
  #next: Task<unknown> | undefined = undefined;

  /**
   * Prefer {@link createTask}; the constructor is the same.
   * @param manual internal: do not schedule the first step; the subclass
   *   calls `_startNow()` once constructed (an eager start, as asyncio's eager
   *   tasks, for the server's task per request).
   */
  constructor(fn: () => T | PromiseLike<T>, options?: TaskOptions, manual?: boolean) {
    super();
    this.#fn = toFunction<() => T | PromiseLike<T>>('createTask()', 'fn (a function returning a promise; a promise already runs and cannot be cancelled, pass () => promise)', fn);
    checkOptions('createTask()', options, TASK_OPTIONS);
    const name = options?.name;
    if (name !== undefined && typeof name !== 'string') throw new TypeError(`createTask(): name must be a string, got ${typeof name}`);
    this.#name = name ?? ++counter;
    if (debugEnabled()) this.#r().traceback = captureTraceback();
    if (first !== undefined) {
      this.#next = first;
      first.#prev = this;
    }
    first = this;
    // The body starts on a microtask, as asyncio starts a task on the next loop turn.
    if (manual !== true) scheduleStart(this);
  }

  #r(): Rare {
    return (this.#rare ??= { requested: 0, message: undefined, waiters: undefined, byThen: undefined, controller: undefined, traceback: undefined });
  }

  /** @internal The next task in the list of pending ones. */
  _nextPending(): Task<unknown> | undefined {
    return this.#next;
  }

  /** @internal Run the first step now (tasks constructed with `manual`, and the start queue). */
  _startNow(): void {
    this.#start();
  }

  /** The task's name. */
  getName(): string {
    const n = this.#name;
    return typeof n === 'number' ? (this.#name = `Task-${n}`) : n;
  }

  /** Rename the task. */
  setName(name: string): void {
    if (typeof name !== 'string') throw new TypeError(`setName(): name must be a string, got ${typeof name}`);
    this.#name = name;
  }

  /**
   * An AbortSignal aborted when the task is cancelled, for APIs outside
   * aiots (`fetch`, `fs`). After `uncancel()` brings `cancelling()` back to
   * zero, a fresh signal is handed out.
   */
  get signal(): AbortSignal {
    const r = this.#r();
    let c = r.controller;
    if (c === undefined) {
      c = r.controller = new AbortController();
      if (r.requested > 0 || this.cancelled()) c.abort(new CancelledError(r.message));
    }
    return c.signal;
  }

  /**
   * Request cancellation: the task's pending aiots await rejects with
   * `CancelledError` (or its next one, if it is not waiting on aiots now).
   * Returns false if the task is already done.
   */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    const r = this.#r();
    r.requested++;
    r.message = msg;
    const c = r.controller;
    if (c !== undefined && !c.signal.aborted) c.abort(new CancelledError(msg));
    if ((this.#flags & ABANDONABLE) !== 0) {
      // Wraps a bare promise: nothing to interrupt, so the task ends now.
      this._settle(FutureState.CANCELLED, undefined, new CancelledError(msg));
      return true;
    }
    if ((this.#flags & DELIVERING) !== 0) return true;
    if ((this.#flags & STARTED) !== 0 && (this.#waiter !== undefined || r.waiters !== undefined)) {
      // The window closes on a microtask queued before the error is handed
      // over, so it closes before the task can resume with it.
      markDelivering(this);
      let delivered = false;
      let abandoned = false;
      const w = this.#waiter;
      if (w !== undefined && w.cancel(msg)) {
        delivered = true;
        abandoned = w instanceof Task && w._abandonable();
      }
      const ws = r.waiters;
      if (ws !== undefined) {
        for (const f of [...ws]) {
          if (!f.cancel(msg)) continue;
          delivered = true;
          if (f instanceof Task && f._abandonable()) abandoned = true;
        }
      }
      if (abandoned) this.#flags |= ABANDONED_CANCEL;
      if (delivered) return true;
      this.#flags &= ~DELIVERING;
    }
    this.#flags |= MUST_CANCEL;
    return true;
  }

  /** How many cancellation requests are pending (asyncio's `cancelling()`). */
  cancelling(): number {
    return this.#rare?.requested ?? 0;
  }

  /**
   * Take back one cancellation request; returns the remaining count. At zero,
   * an undelivered cancellation is dropped and `signal` is renewed.
   */
  uncancel(): number {
    const r = this.#rare;
    if (r === undefined) return 0;
    if (r.requested > 0) {
      r.requested--;
      if (r.requested === 0) {
        this.#flags &= ~MUST_CANCEL;
        if (r.controller?.signal.aborted === true) r.controller = undefined;
      }
    }
    return r.requested;
  }

  override get [Symbol.toStringTag](): string {
    return 'Task';
  }

  /** @internal Register a future the task now waits on (a primitive's own future). */
  _wait(fut: Future<unknown>): void {
    const flags = this.#flags;
    if ((flags & ABANDONED_CANCEL) !== 0) this.#flags &= ~ABANDONED_CANCEL;
    if ((flags & THEN_LINKED) !== 0 && flags >>> BATCH_SHIFT !== (jobSeq & BATCH_MASK)) this.#dropThenLinks();
    if ((this.#flags & MUST_CANCEL) !== 0) {
      if (fut.cancel(this.#rare?.message)) this.#flags &= ~MUST_CANCEL;
      return;
    }
    const r = this.#rare;
    const waiters = r?.waiters;
    if (this.#waiter === undefined && waiters === undefined) this.#waiter = fut;
    else if (this.#waiter === fut) {
      this.#flags &= ~WAITER_BY_THEN;
      return;
    } else if (waiters?.has(fut) === true) {
      r?.byThen?.delete(fut);
      return;
    } else (this.#r().waiters ??= new Set()).add(fut);
    fut._listen(this);
  }

  /**
   * @internal Register a future a `then()` was called on while the task ran.
   * A primitive's future belongs to the one call that waits on it, but a
   * future given to `then()` may be shared: after `Promise.race([fut, …])`
   * the task has moved on while `fut` is still pending, and cancelling the
   * task must not cancel `fut` for its other awaiters. So these links last
   * until the task registers a wait from a later promise job, which it does
   * only once it has resumed (links made in one synchronous stretch, as by
   * one `Promise.race` or `Promise.all`, hold together).
   */
  _waitThen(fut: Future<unknown>): void {
    this.#flags &= ~ABANDONED_CANCEL;
    const batch = jobSeq & BATCH_MASK;
    if (this.#flags >>> BATCH_SHIFT !== batch) {
      if ((this.#flags & THEN_LINKED) !== 0) this.#dropThenLinks();
      this.#flags = (this.#flags & FLAG_BITS) | (batch << BATCH_SHIFT);
    }
    if ((this.#flags & MUST_CANCEL) !== 0) {
      if (fut.cancel(this.#rare?.message)) this.#flags &= ~MUST_CANCEL;
      return;
    }
    const r = this.#rare;
    const waiters = r?.waiters;
    if (this.#waiter === undefined && waiters === undefined) {
      this.#waiter = fut;
      this.#flags |= THEN_LINKED | WAITER_BY_THEN;
    } else if (this.#waiter === fut || waiters?.has(fut) === true) return;
    else {
      const rr = this.#r();
      (rr.waiters ??= new Set()).add(fut);
      (rr.byThen ??= new Set()).add(fut);
      this.#flags |= THEN_LINKED;
    }
    fut._listen(this);
  }

  #dropThenLinks(): void {
    const flags = this.#flags;
    this.#flags = flags & ~(THEN_LINKED | WAITER_BY_THEN);
    if ((flags & WAITER_BY_THEN) !== 0) {
      const w = this.#waiter;
      if (w !== undefined) {
        this.#waiter = undefined;
        w._unlisten(this);
      }
    }
    const r = this.#rare;
    const byThen = r?.byThen;
    if (r === undefined || byThen === undefined) return;
    r.byThen = undefined;
    const ws = r.waiters;
    for (const f of byThen) {
      ws?.delete(f);
      f._unlisten(this);
    }
    if (ws !== undefined && ws.size === 0) r.waiters = undefined;
  }

  /** @internal */
  _futureDone(fut: Future<unknown>): void {
    if (this.#waiter === fut) {
      this.#waiter = undefined;
      this.#flags &= ~WAITER_BY_THEN;
      return;
    }
    const r = this.#rare;
    const ws = r?.waiters;
    if (r === undefined || ws === undefined) return;
    ws.delete(fut);
    r.byThen?.delete(fut);
    if (ws.size === 0) r.waiters = undefined;
  }

  /**
   * @internal Throw the pending cancellation, if any: asyncio delivers a
   * cancellation when a task resumes, which resource-handing primitives
   * (queues, locks) rely on to never lose an item or a permit.
   */
  _checkCancel(): void {
    if ((this.#flags & (MUST_CANCEL | ABANDONED_CANCEL)) !== 0) {
      this.#flags &= ~(MUST_CANCEL | ABANDONED_CANCEL);
      throw new CancelledError(this.#rare?.message);
    }
  }

  /** @internal A cancellation is being handed to the waiter. */
  _setDelivering(): void {
    this.#flags |= DELIVERING;
  }

  /** @internal The window of {@link DELIVERING} closed. */
  _delivered(): void {
    this.#flags &= ~DELIVERING;
  }

  /** @internal Cancelling ends the task at once (it only awaits a bare promise). */
  _setAbandonable(): void {
    this.#flags |= ABANDONABLE;
  }

  /** @internal */
  override _reportName(): string {
    return this.getName();
  }

  /** @internal */
  override _sourceTraceback(): string | undefined {
    return this.#rare?.traceback;
  }

  /** @internal */
  override _settle(state: 0 | 1 | 2 | 3, value: T | undefined, error: unknown): void {
    if (this.done()) return;
    const prev = this.#prev;
    const next = this.#next;
    if (prev === undefined) first = next;
    else prev.#next = next;
    if (next !== undefined) next.#prev = prev;
    this.#prev = this.#next = undefined;
    this.#fn = undefined;
    this.#waiter = undefined;
    if (this.#rare !== undefined) this.#rare.waiters = this.#rare.byThen = undefined;
    super._settle(state, value, error);
  }

  #start(): void {
    this.#flags |= STARTED;
    if ((this.#flags & MUST_CANCEL) !== 0) {
      // Cancelled before its first step: the body never runs, as in asyncio.
      this.#flags &= ~MUST_CANCEL;
      this._settle(FutureState.CANCELLED, undefined, new CancelledError(this.#rare?.message));
      return;
    }
    if (this.done()) return;
    if (debugEnabled()) noteTaskStep(this);
    let result: T | typeof WATCHED;
    try {
      result = runIn(this, startBody, this) as T | typeof WATCHED;
    } catch (e) {
      this.#failed(e);
      return;
    }
    if (result === WATCHED) return;
    if ((this.#flags & MUST_CANCEL) !== 0) {
      this._settle(FutureState.CANCELLED, undefined, new CancelledError(this.#rare?.message));
    } else {
      this._settle(FutureState.FULFILLED, result, undefined);
    }
  }

  /**
   * @internal The body; subclasses that carry their own arguments override it
   * so that the hot path allocates no closure per task.
   */
  _call(): T | PromiseLike<T> {
    return (this.#fn as () => T | PromiseLike<T>)();
  }

  #failed(e: unknown): void {
    if (isCancellation(e)) this._settle(FutureState.CANCELLED, undefined, e);
    else this._settle(FutureState.REJECTED, undefined, e);
  }

  #succeeded(value: T): void {
    if ((this.#flags & MUST_CANCEL) !== 0) {
      // Cancelled right before it returned, never told: it ends cancelled.
      this._settle(FutureState.CANCELLED, undefined, new CancelledError(this.#rare?.message));
    } else {
      this._settle(FutureState.FULFILLED, value, undefined);
    }
  }

  /**
   * @internal The body's promise fulfilled (its reaction carries the task).
   * The reaction's own promise is the task's promise when adopted, so it
   * settles with the task's outcome once somebody holds it.
   */
  static _bodyFulfilled(this: void, value: unknown): unknown {
    const task = leave() as Task<unknown>;
    task.#succeeded(value);
    return task._handedOut() ? task.result() : undefined;
  }

  /** @internal The body's promise rejected. */
  static _bodyRejected(this: void, e: unknown): unknown {
    const task = leave() as Task<unknown>;
    task.#failed(e);
    return task._handedOut() ? task.result() : undefined;
  }

  /** @internal Whether cancelling ends the task at once (its promise cannot be adopted then). */
  _abandonable(): boolean {
    return (this.#flags & ABANDONABLE) !== 0;
  }

  /** Tasks end only by their body, as in asyncio (which raises RuntimeError here). */
  override setResult(_value: T): void {
    throw new InvalidStateError('setResult(): a Task ends with its function\'s result; it cannot be set');
  }

  /** Tasks end only by their body, as in asyncio. */
  override setException(_error: unknown): void {
    throw new InvalidStateError('setException(): a Task ends with its function\'s error; it cannot be set');
  }
}

/**
 * Run `fn` as a new task, as `asyncio.create_task`. It starts on the next
 * microtask, in its own task context.
 * @example
 * const task = createTask(async () => fetchPage(url), { name: 'fetch' });
 * const page = await task;
 */
export function createTask<T>(fn: () => T | PromiseLike<T>, options?: TaskOptions): Task<T> {
  return new Task(fn, options);
}

/** The task running the caller, or `null` outside any task (asyncio's `current_task()`). */
export function currentTask(): Task<unknown> | null {
  return current() ?? null;
}

/** The tasks not yet done (asyncio's `all_tasks()`). */
export function allTasks(): Set<Task<unknown>> {
  const out: Task<unknown>[] = [];
  for (let t = first; t !== undefined; t = t._nextPending()) out.push(t);
  // Oldest first, as they were created.
  return new Set(out.reverse());
}

/** @internal A task that only awaits `promise`; cancelling it abandons the promise. */
export function taskFromPromise<T>(promise: PromiseLike<T>): Task<T> {
  const task = new Task(() => promise);
  task._setAbandonable();
  // An abandoned promise may still reject; that must not crash the process.
  Promise.resolve(promise).catch(noop);
  return task;
}

function noop(): void {}

let delivering: Task<unknown>[] = [];

function markDelivering(task: Task<unknown>): void {
  task._setDelivering();
  if (delivering.push(task) === 1) queueMicrotask(endDelivering);
}

function endDelivering(): void {
  const tasks = delivering;
  delivering = [];
  for (const t of tasks) t._delivered();
}

// Tasks created in one synchronous stretch start together from one microtask,
// in creation order: a microtask per task would allocate a closure and, in
// Node, an async resource for each (most of what creating a task costs).
// (A queued microtask carries no task, so the batch starts outside any.)
let toStart: Task<unknown>[] = [];

function scheduleStart(task: Task<unknown>): void {
  if (toStart.push(task) === 1) queueMicrotask(startBatch);
}

function startBatch(): void {
  // Tasks created while these start form the next batch, on a later microtask.
  const batch = toStart;
  toStart = [];
  for (let i = 0; i < batch.length; i++) (batch[i] as Task<unknown>)._startNow();
}

const WATCHED = Symbol('watched');

// Runs as the task: a promise the body returns is watched from inside it, so
// the reaction's promise carries the task and the shared reaction functions
// find it there, where a pair of closures per task would cost two functions
// and a context. That reaction's promise also serves as the task's own for
// whoever awaits it while it runs; not for a task that only wraps a promise,
// which cancelling ends before its promise settles.
function startBody(task: Task<unknown>): unknown {
  const result: unknown = task._call();
  let body: Promise<unknown>;
  if (result instanceof Promise) body = result;
  else if (isThenable(result)) body = awaitAsTask(result);
  else return result;
  const watch = body.then(Task._bodyFulfilled, Task._bodyRejected);
  if (!task._abandonable()) task._adopt(watch);
  return WATCHED;
}

// A Future (or another thenable) a body returns is awaited as the task, so
// that cancelling the task cancels what it waits on.
async function awaitAsTask(thenable: PromiseLike<unknown>): Promise<unknown> {
  return await thenable;
}
