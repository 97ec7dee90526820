/**
 * `Semaphore` and `BoundedSemaphore`, as asyncio's (fair, FIFO).
 * @module
 */
import { InvalidStateError } from './errors.js';
import { Future } from './future.js';
import { firstPending, someoneInLine } from './lock.js';
import type { SignalOptions } from './sleep.js';
import { resumed, suspend } from './suspend.js';
import { toInt, toSignal } from './validate.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';

/**
 * A counter of permits: `acquire()` takes one (waiting if none is left),
 * `release()` gives one back.
 * @example
 * const sem = new Semaphore(10);
 * await sem.acquire();
 * try { await fetchOne(); } finally { sem.release(); }
 */
export class Semaphore {
  #value: number;
  #waiters: Set<Future<boolean>> | undefined = undefined;

  /** Start with `value` permits (a non-negative integer). */
  constructor(value = 1) {
    this.#value = toInt(`${new.target.name}()`, 'value', value, 0);
  }

  /** True if `acquire()` would wait (a woken waiter that has not run yet still holds its place, as in asyncio 3.12). */
  locked(): boolean {
    return this.#value === 0 || someoneInLine(this.#waiters);
  }

  /** Take a permit, waiting in line if none is free. Resolves `true`. */
  async acquire(options?: SignalOptions): Promise<true> {
    checkOptions('Semaphore.acquire()', options, SIGNAL_ONLY);
    const signal = toSignal('Semaphore.acquire()', options?.signal);
    if (!this.locked() && signal?.aborted !== true) {
      this.#value--;
      return true;
    }
    const fut = new Future<boolean>();
    const waiters = (this.#waiters ??= new Set());
    waiters.add(fut);
    try {
      try {
        await suspend(fut, signal);
      } finally {
        waiters.delete(fut);
      }
      resumed();
    } catch (e) {
      // Handed a permit but cancelled before taking it: give it back.
      if (fut.done() && !fut.cancelled()) this.#value++;
      throw e;
    } finally {
      while (this.#value > 0) if (!this.#wakeUpNext()) break;
    }
    return true;
  }

  /** Give a permit back, waking the next waiter. */
  release(): void {
    this.#value++;
    this.#wakeUpNext();
  }

  /** @internal */
  protected _value(): number {
    return this.#value;
  }

  #wakeUpNext(): boolean {
    const fut = firstPending(this.#waiters);
    if (fut === undefined) return false;
    this.#value--;
    fut.setResult(true);
    return true;
  }
}

/**
 * A `Semaphore` that throws `InvalidStateError` when released more times
 * than acquired.
 */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  constructor(value = 1) {
    super(value);
    this.#bound = value;
  }

  override release(): void {
    if (this._value() >= this.#bound) throw new InvalidStateError('BoundedSemaphore released too many times');
    super.release();
  }
}
