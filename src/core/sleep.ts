/**
 * `sleep`, as `asyncio.sleep`.
 * @module
 */
import { monotonic } from './clock.js';
import { Future } from './future.js';
import { suspend } from './suspend.js';
import { addTimer, removeTimer, type Bucket, type TimerEntry } from './timer-queue.js';
import { toDelay, toSignal } from './validate.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';

/** Options of every aiots awaitable: an AbortSignal for code outside a task. */
export interface SignalOptions {
  /** Cancels the wait (with `CancelledError`) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

// A sleep longer than zero is a timer of the loop's queue (timer-queue.ts),
// so that sleeps due together end in one turn; sleep(0) is one setImmediate.
class SleepFuture<T> extends Future<T> implements TimerEntry {
  readonly #value: T;
  #immediate: NodeJS.Immediate | undefined = undefined;
  _when: number;
  _bucket: Bucket | undefined = undefined;
  _slot = 0;

  constructor(seconds: number, value: T) {
    super();
    this.#value = value;
    if (seconds === 0) {
      this._when = 0;
      this.#immediate = setImmediate(fireNow, this);
    } else {
      const now = monotonic();
      this._when = now + seconds;
      addTimer(this, now);
    }
  }

  override cancel(msg?: string): boolean {
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    } else removeTimer(this);
    return super.cancel(msg);
  }

  _fire(): void {
    this.#immediate = undefined;
    if (!this.done()) this.setResult(this.#value);
  }
}

function fireNow<T>(f: SleepFuture<T>): void {
  f._fire();
}

/**
 * Wait `delay` seconds (fractions allowed; negative means zero), then resolve
 * with `value`. `sleep(0)` yields to pending I/O once.
 * @example
 * await sleep(0.5);
 * const v = await sleep(1, 'late');
 */
export function sleep(delay: number): Promise<void>;
export function sleep<T>(delay: number, value: T, options?: SignalOptions): Promise<T>;
export function sleep<T>(delay: number, value?: T, options?: SignalOptions): Promise<T | undefined> {
  const seconds = toDelay('sleep()', 'delay', delay);
  checkOptions('sleep()', options, SIGNAL_ONLY);
  const signal = toSignal('sleep()', options?.signal);
  return suspend(new SleepFuture(seconds <= 0 ? 0 : seconds, value), signal);
}
