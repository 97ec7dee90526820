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
      if (outer.done()) {
        if (!inner.cancelled()) inner.exception();
        return;
      }
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
