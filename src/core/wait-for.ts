/**
 * `waitFor`, as `asyncio.wait_for`.
 * @module
 */
import { TimeoutError, isCancellation } from './errors.js';
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { Future } from './future.js';
import type { SignalOptions } from './sleep.js';
import { cancelOnAbort, checkSignal } from './suspend.js';
import { timeout } from './timeouts.js';
import { toOptionalDelay, toSignal } from './validate.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';

/**
 * Wait for `aw` at most `seconds` (null: no limit). On timeout the inner task
 * is cancelled, waited for, and `TimeoutError` is thrown. Aborting `signal`
 * cancels the inner task too (the wait then throws `CancelledError`).
 * @example
 * const line = await waitFor(() => reader.readline(), 5);
 */
export async function waitFor<T>(aw: Awaitable<T>, seconds: number | null, options?: SignalOptions): Promise<T> {
  const delay = toOptionalDelay('waitFor()', 'seconds', seconds);
  checkOptions('waitFor()', options, SIGNAL_ONLY);
  const signal = toSignal('waitFor()', options?.signal);
  checkSignal(signal);
  const fut = ensureFuture(aw, 'waitFor()');
  if (signal !== undefined) cancelOnAbort(fut, signal);
  if (delay !== null && delay <= 0) {
    if (fut.done()) return fut.result();
    fut.cancel();
    await settled(fut);
    try {
      return fut.result();
    } catch (e) {
      if (isCancellation(e)) throw new TimeoutError('waitFor(): timed out', { cause: e });
      throw e;
    }
  }
  return timeout(delay, () => fut);
}

async function settled(fut: Future<unknown>): Promise<void> {
  try {
    await fut;
  } catch {
    // Only waiting for the end here; the caller reads the outcome.
  }
}
