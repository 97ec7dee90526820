/**
 * `waitFor`, as `asyncio.wait_for`.
 * @module
 */
import { TimeoutError, isCancellation } from './errors.js';
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { Future } from './future.js';
import { timeout } from './timeouts.js';
import { toOptionalDelay } from './validate.js';

/**
 * Wait for `aw` at most `seconds` (null: no limit). On timeout the inner task
 * is cancelled, waited for, and `TimeoutError` is thrown.
 * @example
 * const line = await waitFor(() => reader.readline(), 5);
 */
export async function waitFor<T>(aw: Awaitable<T>, seconds: number | null): Promise<T> {
  const delay = toOptionalDelay('waitFor()', 'seconds', seconds);
  const fut = ensureFuture(aw, 'waitFor()');
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
