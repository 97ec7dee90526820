/**
 * `asCompleted`, as `asyncio.as_completed` (3.13's async-iterator form).
 * @module
 */
import { TimeoutError } from './errors.js';
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { Future, type FutureListener } from './future.js';
import type { SignalOptions } from './sleep.js';
import { suspend } from './suspend.js';
import { QueuedCallback } from './timer-queue.js';
import { toOptionalDelay, toSignal } from './validate.js';
import type { FutureOf } from './wait.js';
import { checkOptions, knownOptions } from './options.js';

const AS_COMPLETED_OPTIONS = knownOptions('timeout', 'signal');

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions extends SignalOptions {
  /** Seconds for the whole iteration; past it the iterator throws `TimeoutError`. @default null */
  readonly timeout?: number | null;
}

class Completion<T> implements AsyncIterableIterator<Future<T>>, FutureListener {
  readonly #done: Future<T>[] = [];
  #todo: number;
  #waiter: Future<void> | undefined = undefined;
  readonly #fs: Set<Future<T>>;
  #timer: QueuedCallback<Completion<T>> | undefined = undefined;
  #expired = false;
  readonly #signal: AbortSignal | undefined;

  constructor(fs: Set<Future<T>>, timeout: number | null, signal: AbortSignal | undefined) {
    this.#fs = fs;
    this.#signal = signal;
    this.#todo = fs.size;
    for (const f of fs) {
      if (f.done()) this.#done.push(f);
      else f._listen(this);
    }
    // As in asyncio, the deadline counts from the call, not the first step.
    if (timeout !== null && this.#todo > 0) this.#timer = new QueuedCallback<Completion<T>>(timeout, Completion.#expire, this);
  }

  static #expire<T>(c: Completion<T>): void {
    c.#expired = true;
    const w = c.#waiter;
    if (w !== undefined && !w.done()) w.setResult();
  }

  _futureDone(f: Future<unknown>): void {
    this.#done.push(f as Future<T>);
    const w = this.#waiter;
    if (w !== undefined && !w.done()) w.setResult();
  }

  async next(): Promise<IteratorResult<Future<T>>> {
    if (this.#todo === 0) return this.#finish();
    while (this.#done.length === 0) {
      if (this.#expired) {
        this.#finish();
        throw new TimeoutError('asCompleted(): timed out');
      }
      this.#waiter = new Future<void>();
      try {
        await suspend(this.#waiter, this.#signal);
      } catch (e) {
        this.#finish();
        throw e;
      }
    }
    this.#todo--;
    const f = this.#done.shift() as Future<T>;
    if (this.#todo === 0) this.#finish();
    return { value: f, done: false };
  }

  async return(): Promise<IteratorResult<Future<T>>> {
    return this.#finish();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #finish(): IteratorResult<Future<T>> {
    this.#timer?.cancel();
    this.#todo = 0;
    for (const f of this.#fs) f._unlisten(this);
    return { value: undefined, done: true };
  }
}

/**
 * Iterate over the awaitables as they complete: each step yields one that is
 * done (read it with `await f` or `f.result()`): a `Task` or `Future` given
 * as it is, else the task running the function or promise given (3.13).
 * @example
 * for await (const t of asCompleted(urls.map((u) => () => get(u)), { timeout: 10 })) {
 *   console.log(await t);
 * }
 */
export function asCompleted<A extends Awaitable<unknown>>(aws: Iterable<A>, options?: AsCompletedOptions): AsyncIterableIterator<FutureOf<A>>;
/** As above, with the result type given explicitly: `asCompleted<unknown>([a, b])`. */
export function asCompleted<T>(aws: Iterable<Awaitable<T>>, options?: AsCompletedOptions): AsyncIterableIterator<Future<T>>;
export function asCompleted<T>(aws: Iterable<Awaitable<T>>, options?: AsCompletedOptions): AsyncIterableIterator<Future<T>> {
  if (aws === null || typeof aws !== 'object' || typeof (aws as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new TypeError('asCompleted(): aws must be an iterable of tasks, futures, promises or functions');
  }
  checkOptions('asCompleted()', options, AS_COMPLETED_OPTIONS);
  const timeout = toOptionalDelay('asCompleted()', 'timeout', options?.timeout);
  const signal = toSignal('asCompleted()', options?.signal);
  const fs = new Set<Future<T>>();
  let i = 0;
  for (const aw of aws) fs.add(ensureFuture(aw, `asCompleted(): item ${i++}`));
  return new Completion(fs, timeout, signal);
}
