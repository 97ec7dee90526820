/**
 * `Event`, as `asyncio.Event`.
 * @module
 */
import { Future } from './future.js';
import type { SignalOptions } from './sleep.js';
import { suspend } from './suspend.js';
import { toSignal } from './validate.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';

/**
 * A flag tasks can wait for.
 * @example
 * const ready = new Event();
 * createTask(async () => { await ready.wait(); go(); });
 * ready.set();
 */
export class Event {
  #value = false;
  readonly #waiters = new Set<Future<true>>();

  /** True once `set()` was called (and not `clear()`ed since). */
  isSet(): boolean {
    return this.#value;
  }

  /** Set the flag and wake every waiter. */
  set(): void {
    if (this.#value) return;
    this.#value = true;
    for (const f of this.#waiters) if (!f.done()) f.setResult(true);
  }

  /** Reset the flag. */
  clear(): void {
    this.#value = false;
  }

  /** Wait until the flag is set. Resolves `true`. */
  async wait(options?: SignalOptions): Promise<true> {
    checkOptions('Event.wait()', options, SIGNAL_ONLY);
    const signal = toSignal('Event.wait()', options?.signal);
    if (this.#value && signal?.aborted !== true) return true;
    const fut = new Future<true>();
    this.#waiters.add(fut);
    try {
      return await suspend(fut, signal);
    } finally {
      this.#waiters.delete(fut);
    }
  }
}
