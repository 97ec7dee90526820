// Emitter listeners that live exactly as long as one future is pending. The
// future is what an aiots await suspends on; it settles by result, error or
// cancellation (task.cancel(), a timeout, an abort signal), and the listeners
// are removed at that moment, synchronously, whichever way it settled. A
// listener must still check `fut.done()` before settling it: an emitter calls
// the listeners it had when the event started, including ones removed since.
import type { EventEmitter } from 'node:events';
import type { Future, FutureListener } from './future.js';

type Listener = Parameters<EventEmitter['on']>[1];

/** @internal Listeners on one emitter, removed when their future settles. */
export class PendingListeners implements FutureListener {
  readonly #emitter: EventEmitter;
  readonly #added: (string | Listener)[] = [];

  constructor(emitter: EventEmitter) {
    this.#emitter = emitter;
  }

  /** Add `fn` for `event` until the future settles. */
  on(event: string, fn: Listener): this {
    this.#emitter.on(event, fn);
    this.#added.push(event, fn);
    return this;
  }

  /** @internal */
  _futureDone(): void {
    const a = this.#added;
    for (let i = 0; i < a.length; i += 2) this.#emitter.off(a[i] as string, a[i + 1] as Listener);
    a.length = 0;
  }
}

/**
 * @internal Listen on `emitter` while `fut` is pending (it must be): the
 * listeners added with `.on()` go when it settles, however it settles.
 */
export function listenWhilePending(fut: Future<unknown>, emitter: EventEmitter): PendingListeners {
  const l = new PendingListeners(emitter);
  fut._listen(l);
  return l;
}
