/**
 * `Condition`, as `asyncio.Condition`.
 * @module
 */
import { InvalidStateError, isCancellation } from './errors.js';
import { Future } from './future.js';
import { Lock } from './lock.js';
import type { SignalOptions } from './sleep.js';
import { resumed, suspend } from './suspend.js';
import { toFunction, toInt, toSignal } from './validate.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';

/**
 * A condition variable: tasks wait until another task notifies them, holding
 * the underlying lock around both.
 * @example
 * await cond.acquire();
 * try { await cond.waitFor(() => items.length > 0); use(items.shift()); } finally { cond.release(); }
 */
export class Condition {
  readonly #lock: Lock;
  readonly #waiters = new Set<Future<boolean>>();

  /** Use `lock`, or a new `Lock`. */
  constructor(lock?: Lock) {
    if (lock !== undefined && !(lock instanceof Lock)) throw new TypeError('Condition(): lock must be a Lock');
    this.#lock = lock ?? new Lock();
  }

  /** True if the underlying lock is held. */
  locked(): boolean {
    return this.#lock.locked();
  }

  /** Acquire the underlying lock. */
  acquire(options?: SignalOptions): Promise<true> {
    try {
      checkOptions('Condition.acquire()', options, SIGNAL_ONLY);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#lock.acquire(options);
  }

  /** Release the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /**
   * Release the lock, wait for a notify, then re-acquire the lock (even when
   * cancelled: the lock is always held again when this returns or throws).
   */
  async wait(options?: SignalOptions): Promise<true> {
    checkOptions('Condition.wait()', options, SIGNAL_ONLY);
    const signal = toSignal('Condition.wait()', options?.signal);
    if (!this.locked()) throw new InvalidStateError('Condition.wait(): cannot wait on an un-acquired lock');
    this.release();
    let failure: { error: unknown } | undefined;
    const fut = new Future<boolean>();
    this.#waiters.add(fut);
    try {
      await suspend(fut, signal);
      // Notified, then cancelled before running: asyncio throws the
      // cancellation here, so the notification is handed on below.
      resumed();
    } catch (e) {
      failure = { error: e };
    } finally {
      this.#waiters.delete(fut);
    }
    for (;;) {
      try {
        await this.#lock.acquire();
        break;
      } catch (e) {
        if (!isCancellation(e)) throw e;
        failure = { error: e };
      }
    }
    if (failure !== undefined) {
      // We may have been notified already: hand the wakeup to another waiter.
      this.#notify(1);
      throw failure.error;
    }
    return true;
  }

  /** Wait until `predicate()` is truthy; returns its last value. */
  async waitFor<T>(predicate: () => T, options?: SignalOptions): Promise<T> {
    toFunction('Condition.waitFor()', 'predicate', predicate);
    checkOptions('Condition.waitFor()', options, SIGNAL_ONLY);
    let result = predicate();
    while (!result) {
      await this.wait(options);
      result = predicate();
    }
    return result;
  }

  /** Wake up to `n` waiters. The lock must be held. */
  notify(n = 1): void {
    toInt('Condition.notify()', 'n', n, 0);
    if (!this.locked()) throw new InvalidStateError('Condition.notify(): cannot notify on an un-acquired lock');
    this.#notify(n);
  }

  /** Wake every waiter. The lock must be held. */
  notifyAll(): void {
    this.notify(this.#waiters.size);
  }

  #notify(n: number): void {
    let woken = 0;
    for (const f of this.#waiters) {
      if (woken >= n) break;
      if (!f.done()) {
        woken++;
        f.setResult(false);
      }
    }
  }
}
