/**
 * `Lock`, as `asyncio.Lock`: fair (first come, first served), not reentrant.
 * @module
 */
import { InvalidStateError } from './errors.js';
import { Future } from './future.js';
import type { SignalOptions } from './sleep.js';
import { resumed, suspend } from './suspend.js';
import { toSignal } from './validate.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';

/** @internal First waiter in line that is still waiting, if any. */
export function firstPending(waiters: Set<Future<boolean>> | undefined): Future<boolean> | undefined {
  if (waiters !== undefined) for (const f of waiters) if (!f.done()) return f;
  return undefined;
}

/** @internal A woken waiter stays in line until it runs: only cancelled ones have left it. */
export function someoneInLine(waiters: Set<Future<boolean>> | undefined): boolean {
  if (waiters !== undefined) for (const f of waiters) if (!f.cancelled()) return true;
  return false;
}

/**
 * A mutual-exclusion lock for tasks.
 * @example
 * await lock.acquire();
 * try { await critical(); } finally { lock.release(); }
 */
export class Lock {
  #locked = false;
  #waiters: Set<Future<boolean>> | undefined = undefined;

  /** True if some task holds the lock. */
  locked(): boolean {
    return this.#locked;
  }

  /** Wait until the lock is free, then take it. Resolves `true`. */
  async acquire(options?: SignalOptions): Promise<true> {
    checkOptions('Lock.acquire()', options, SIGNAL_ONLY);
    const signal = toSignal('Lock.acquire()', options?.signal);
    if (!this.#locked && !someoneInLine(this.#waiters) && signal?.aborted !== true) {
      this.#locked = true;
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
      // Woken but cancelled before taking the lock: pass the turn on.
      if (!this.#locked) this.#wakeUpFirst();
      throw e;
    }
    this.#locked = true;
    return true;
  }

  /** Release the lock; throws `InvalidStateError` if it is not held. */
  release(): void {
    if (!this.#locked) throw new InvalidStateError('Lock.release(): the lock is not acquired');
    this.#locked = false;
    this.#wakeUpFirst();
  }

  #wakeUpFirst(): void {
    const w = this.#waiters;
    if (w === undefined) return;
    const first = w.values().next();
    if (first.done !== true && !first.value.done()) first.value.setResult(true);
  }
}
