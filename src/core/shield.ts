/**
 * `shield`, as `asyncio.shield`.
 * @module
 */
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { Future, FutureState } from './future.js';

/**
 * Protect `aw` from cancellation: cancelling the returned future (or the task
 * awaiting it) leaves the inner work running.
 * @example
 * const saved = await shield(() => db.commit());
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = ensureFuture(aw, 'shield()');
  if (inner.done()) return inner;
  const outer = new Future<T>();
  inner._listen({
    _futureDone(): void {
      // The outer was cancelled first: the inner outcome is nobody's, and an
      // inner failure is reported as never retrieved, as asyncio does.
      if (outer.done()) return;
      if (inner.cancelled()) outer.cancel();
      else {
        const e = inner.exception();
        if (e !== null) outer._settle(FutureState.REJECTED, undefined, e);
        else outer.setResult(inner.result());
      }
    },
  });
  return outer;
}
