// How a primitive waits: its future is registered with the current task (so
// task.cancel() cancels it) and with the caller's AbortSignal, if any.
import { current } from './context.js';
import { CancelledError } from './errors.js';
import type { Future, FutureListener } from './future.js';

class SignalLink implements FutureListener {
  readonly #signal: AbortSignal;
  readonly #fut: Future<unknown>;
  constructor(signal: AbortSignal, fut: Future<unknown>) {
    this.#signal = signal;
    this.#fut = fut;
    signal.addEventListener('abort', this, { once: true });
  }

  handleEvent(): void {
    this.#fut.cancel(abortMessage(this.#signal));
  }

  _futureDone(): void {
    this.#signal.removeEventListener('abort', this);
  }
}

/** @internal The message a cancellation by `signal` carries. */
export function abortMessage(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof CancelledError) return r.message;
  if (r instanceof Error) return `aborted: ${r.message}`;
  return 'aborted';
}

/** @internal Cancel `fut` when `signal` aborts (at once if it already has). */
export function cancelOnAbort(fut: Future<unknown>, signal: AbortSignal): void {
  if (signal.aborted) fut.cancel(abortMessage(signal));
  else if (!fut.done()) fut._listen(new SignalLink(signal, fut));
}

/** @internal Wait on `fut` as the current task, cancellable by `signal`. */
export function suspend<T>(fut: Future<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal !== undefined) cancelOnAbort(fut, signal);
  if (!fut.done()) current()?._wait(fut);
  return fut._promise();
}

/** @internal Deliver a cancellation that arrived while the caller was being resumed. */
export function resumed(): void {
  current()?._checkCancel();
}

/** @internal Fail at once if the caller's signal is already aborted. */
export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new CancelledError(abortMessage(signal));
}
