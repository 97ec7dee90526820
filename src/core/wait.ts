/**
 * `wait`, as `asyncio.wait`.
 * @module
 */
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { Future, type FutureListener } from './future.js';
import type { SignalOptions } from './sleep.js';
import type { Task } from './task.js';
import { checkSignal, suspend } from './suspend.js';
import { QueuedCallback } from './timer-queue.js';
import { toOptionalDelay, toSignal } from './validate.js';
import { checkOptions, knownOptions } from './options.js';

const WAIT_OPTIONS = knownOptions('timeout', 'returnWhen', 'signal');

/** When {@link wait} returns. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** Options of {@link wait}. */
export interface WaitOptions extends SignalOptions {
  /** Seconds to wait at most; the futures are not cancelled when it passes. @default null (no limit) */
  readonly timeout?: number | null;
  /** @default 'ALL_COMPLETED' */
  readonly returnWhen?: ReturnWhen;
}

/**
 * What {@link wait} and {@link asCompleted} hand back for an awaitable `A`:
 * a `Task` or `Future` is returned as it is; a promise or a function becomes
 * the `Task` that runs (or wraps) it.
 */
export type FutureOf<A> = A extends Future<unknown> ? A
  : A extends PromiseLike<infer R> ? Task<R>
    : A extends () => PromiseLike<infer R> ? Task<R>
      : A extends () => infer R ? Task<R>
        : never;

const RETURN_WHEN = new Set(['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED']);

class Waiter<T> extends Future<void> implements FutureListener {
  #left: number;
  readonly #returnWhen: ReturnWhen;
  constructor(count: number, returnWhen: ReturnWhen) {
    super();
    this.#left = count;
    this.#returnWhen = returnWhen;
  }

  _futureDone(f: Future<T>): void {
    this.#left--;
    if (this.done()) return;
    if (this.#left === 0 || this.#returnWhen === 'FIRST_COMPLETED'
      || (this.#returnWhen === 'FIRST_EXCEPTION' && !f.cancelled() && f.exception() !== null)) {
      this.setResult();
    }
  }
}

/**
 * Wait for awaitables and return `[done, pending]` as two sets, as
 * `asyncio.wait`: the tasks running the functions and promises given (and
 * any `Task` or `Future` given, as it is). Nothing is cancelled when
 * `timeout` passes.
 * @example
 * const [done, pending] = await wait(hosts.map((h) => () => wget(h)), { timeout: 5 });
 * for (const task of done) console.log(task.getName(), task.result());
 */
export function wait<A extends Awaitable<unknown>>(aws: Iterable<A>, options?: WaitOptions): Promise<[Set<FutureOf<A>>, Set<FutureOf<A>>]>;
/** As above, with the result type given explicitly: `wait<unknown>([a, b])`. */
export function wait<T>(aws: Iterable<Awaitable<T>>, options?: WaitOptions): Promise<[Set<Future<T>>, Set<Future<T>>]>;
export async function wait<T>(aws: Iterable<Awaitable<T>>, options?: WaitOptions): Promise<[Set<Future<T>>, Set<Future<T>>]> {
  if (aws === null || typeof aws !== 'object' || typeof (aws as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new TypeError('wait(): aws must be an iterable of tasks, futures, promises or functions');
  }
  checkOptions('wait()', options, WAIT_OPTIONS);
  const timeout = toOptionalDelay('wait()', 'timeout', options?.timeout);
  const returnWhen = options?.returnWhen ?? 'ALL_COMPLETED';
  if (!RETURN_WHEN.has(returnWhen)) throw new RangeError(`wait(): invalid returnWhen ${JSON.stringify(returnWhen)}`);
  const signal = toSignal('wait()', options?.signal);
  const fs = new Set<Future<T>>();
  let i = 0;
  for (const aw of aws) fs.add(ensureFuture(aw, `wait(): item ${i++}`));
  if (fs.size === 0) throw new RangeError('wait(): the set of awaitables is empty');

  let counter = 0;
  for (const f of fs) if (!f.done()) counter++;
  const immediate = counter === 0 || (returnWhen === 'FIRST_COMPLETED' && counter < fs.size)
    || (returnWhen === 'FIRST_EXCEPTION' && [...fs].some((f) => f.done() && !f.cancelled() && f.exception() !== null));
  checkSignal(signal);
  if (!immediate) {
    const waiter = new Waiter<T>(counter, returnWhen);
    for (const f of fs) if (!f.done()) f._listen(waiter);
    const timer = timeout === null ? undefined : new QueuedCallback(timeout, expire, waiter);
    try {
      await suspend(waiter, signal);
    } finally {
      timer?.cancel();
      for (const f of fs) f._unlisten(waiter);
    }
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
}

function expire(waiter: Future<void>): void {
  if (!waiter.done()) waiter.setResult();
}
