/**
 * `Handle` and `TimerHandle`, as asyncio's: what `callSoon`, `callLater` and
 * `callAt` return.
 * @module
 */
import { monotonic } from './clock.js';
import type { ExceptionContext } from './report.js';
import { addReady, addTimer, removeTimer, type Bucket } from './timer-queue.js';

/** @internal What a handle tells when it is done with (the loop, to drop it on close). */
export interface HandleOwner {
  _forget(h: Handle): void;
  /** A callback that throws is reported to its own loop's handler. */
  callExceptionHandler(context: ExceptionContext): void;
}

/** A callback scheduled with `callSoon`; `cancel()` stops it from running. */
export class Handle {
  #cancelled = false;
  readonly #cb: (...args: never[]) => unknown;
  readonly #args: unknown[];
  readonly #loop: HandleOwner;

  /** @internal */
  constructor(loop: HandleOwner, cb: (...args: never[]) => unknown, args: unknown[]) {
    this.#loop = loop;
    this.#cb = cb;
    this.#args = args;
  }

  /** Stop the callback from running (no effect once it ran). */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this._clear();
    this.#loop._forget(this);
  }

  /** True if `cancel()` was called. */
  cancelled(): boolean {
    return this.#cancelled;
  }

  /** @internal */
  _clear(): void {}

  /** @internal */
  _run(): void {
    if (this.#cancelled) return;
    this.#loop._forget(this);
    try {
      (this.#cb as (...args: unknown[]) => unknown)(...this.#args);
    } catch (e) {
      this.#loop.callExceptionHandler({ message: `Exception in callback ${this.#cb.name || 'anonymous'}`, exception: e });
    }
  }
}

/** A callback scheduled with `callLater`/`callAt`. */
export class TimerHandle extends Handle {
  /** @internal */
  _when: number;
  /** @internal */
  _bucket: Bucket | undefined = undefined;
  /** @internal */
  _slot = 0;

  /** @internal */
  constructor(loop: HandleOwner, when: number, cb: (...args: never[]) => unknown, args: unknown[]) {
    super(loop, cb, args);
    this._when = when;
  }

  /** When the callback is due, in `loop.time()` seconds. */
  when(): number {
    return this._when;
  }

  /** @internal Queue it in the loop's timers (timer-queue.ts). */
  _arm(): void {
    addTimer(this, monotonic());
  }

  /** @internal */
  override _clear(): void {
    removeTimer(this);
  }

  /** @internal */
  _fire(): void {
    this._run();
  }
}

/** @internal Run `h` in the next turn of the loop, as `callSoon`. */
export function scheduleSoon(h: Handle): void {
  addReady(h);
}
