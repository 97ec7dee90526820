/**
 * `timeout` and `timeoutAt`, as asyncio's `async with timeout(...)`.
 * @module
 */
import { monotonic } from './clock.js';
import { current } from './context.js';
import { InvalidStateError, TimeoutError, isCancellation } from './errors.js';
import { Task } from './task.js';
import { addTimer, removeTimer, type Bucket } from './timer-queue.js';
import { toDeadline, toFunction, toOptionalDelay } from './validate.js';

type State = 'created' | 'entered' | 'expiring' | 'expired' | 'exited';

/**
 * The handle a {@link timeout} body receives: read or move the deadline.
 * Deadlines are `loop.time()` seconds (monotonic).
 */
export class Timeout {
  #state: State = 'created';
  #when: number | null;
  #task: Task<unknown> | undefined = undefined;
  #cancelling = 0;
  /** @internal */
  _when = 0;
  /** @internal */
  _bucket: Bucket | undefined = undefined;
  /** @internal */
  _slot = 0;

  /** @internal */
  constructor(when: number | null) {
    this.#when = when;
  }

  /** The deadline in `loop.time()` seconds, or null for none. */
  when(): number | null {
    return this.#when;
  }

  /** Move the deadline (null removes it). Only while the body runs. */
  reschedule(when: number | null): void {
    const w = toDeadline('Timeout.reschedule()', 'when', when);
    if (this.#state !== 'entered') {
      throw new InvalidStateError(this.#state === 'created' ? 'Timeout has not been entered' : `Cannot change state of ${this.#state} Timeout`);
    }
    this.#when = w;
    removeTimer(this);
    if (w === null) return;
    // A timer of the loop's queue: it fires in the same turn as the other
    // timers due then (an external cancel() at the same deadline included).
    // A deadline already past fires on the next turn, before anything the
    // body then waits on, even sleep(0).
    this._when = w;
    addTimer(this, monotonic());
  }

  /** True once the deadline has passed and the body was cancelled. */
  expired(): boolean {
    return this.#state === 'expiring' || this.#state === 'expired';
  }

  /** @internal */
  async _run<T>(task: Task<unknown>, fn: (t: Timeout) => T | PromiseLike<T>): Promise<T> {
    this.#task = task;
    this.#cancelling = task.cancelling();
    this.#state = 'entered';
    this.reschedule(this.#when);
    let result: T;
    try {
      result = await fn(this);
    } catch (e) {
      this.#exit(true, e);
      throw e;
    }
    this.#exit(false, undefined);
    return result;
  }

  #exit(threw: boolean, error: unknown): void {
    removeTimer(this);
    if (this.#state === 'expiring') {
      this.#state = 'expired';
      const task = this.#task as Task<unknown>;
      if (task.uncancel() <= this.#cancelling && threw && isCancellation(error)) {
        throw new TimeoutError('the timeout expired', { cause: error });
      }
    } else if (this.#state === 'entered') {
      this.#state = 'exited';
    }
  }

  /** @internal The deadline passed. */
  _fire(): void {
    if (this.#state !== 'entered') return;
    this.#state = 'expiring';
    this.#task?.cancel();
  }
}

function runWith<T>(when: number | null, fn: (t: Timeout) => T | PromiseLike<T>): Promise<T> {
  const cm = new Timeout(when);
  const task = current();
  if (task !== undefined) return cm._run(task, fn);
  // Outside a task there is nothing to cancel: give the body one.
  const t = new Task<T>(() => cm._run(current() as Task<unknown>, fn));
  return Promise.resolve(t);
}

/**
 * Run `fn` with a deadline `delay` seconds away, as `asyncio.timeout`: past
 * it the body is cancelled and `TimeoutError` is thrown. `null` means no
 * deadline (move it later with `t.reschedule()`).
 * @example
 * const page = await timeout(10, async (t) => {
 *   const r = await get(url);
 *   t.reschedule(t.when()! + 5); // allow 5 s more for the body
 *   return r.text();
 * });
 */
export function timeout<T>(delay: number | null, fn: (t: Timeout) => T | PromiseLike<T>): Promise<T> {
  const d = toOptionalDelay('timeout()', 'delay', delay);
  toFunction('timeout()', 'fn', fn);
  return runWith(d === null ? null : monotonic() + d, fn);
}

/**
 * As {@link timeout}, with an absolute deadline in `loop.time()` seconds.
 * @example
 * await timeoutAt(getEventLoop().time() + 5, () => work());
 */
export function timeoutAt<T>(when: number | null, fn: (t: Timeout) => T | PromiseLike<T>): Promise<T> {
  const w = toDeadline('timeoutAt()', 'when', when);
  toFunction('timeoutAt()', 'fn', fn);
  return runWith(w, fn);
}
