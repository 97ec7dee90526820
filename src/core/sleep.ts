/**
 * `sleep`, as `asyncio.sleep`.
 * @module
 */
import { timerMs } from './clock.js';
import { Future } from './future.js';
import { suspend } from './suspend.js';
import { toDelay, toSignal } from './validate.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';

/** Options of every aiots awaitable: an AbortSignal for code outside a task. */
export interface SignalOptions {
  /** Cancels the wait (with `CancelledError`) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

// setTimeout fires at once past 2^31-1 ms; longer sleeps are re-armed.
const MAX_TIMER_MS = 0x7fffffff;

class SleepFuture<T> extends Future<T> {
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined = undefined;
  readonly #value: T;
  #remaining: number;

  constructor(ms: number, value: T) {
    super();
    this.#value = value;
    this.#remaining = ms;
    this.#arm();
  }

  override cancel(msg?: string): boolean {
    this.#clear();
    return super.cancel(msg);
  }

  #arm(): void {
    const ms = this.#remaining;
    if (ms === 0) {
      // -1 marks "armed with setImmediate" for #clear.
      this.#remaining = -1;
      this.#timer = setImmediate(fire, this);
    } else {
      const step = Math.min(ms, MAX_TIMER_MS);
      this.#remaining = ms - step;
      this.#timer = setTimeout(fire, step, this);
    }
  }

  #clear(): void {
    const t = this.#timer;
    if (t === undefined) return;
    this.#timer = undefined;
    if (this.#remaining < 0) clearImmediate(t as NodeJS.Immediate);
    else clearTimeout(t as NodeJS.Timeout);
  }

  static fire<T>(f: SleepFuture<T>): void {
    f.#timer = undefined;
    if (f.done()) return;
    if (f.#remaining > 0) f.#arm();
    else f.setResult(f.#value);
  }
}

function fire<T>(f: SleepFuture<T>): void {
  SleepFuture.fire(f);
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
  return suspend(new SleepFuture(timerMs(seconds), value), signal);
}
