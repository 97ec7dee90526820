/**
 * `Handle` and `TimerHandle`, as asyncio's: what `callSoon`, `callLater` and
 * `callAt` return.
 * @module
 */
import { monotonic, timerMs } from './clock.js';
import type { ExceptionContext } from './report.js';

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
  readonly #when: number;
  #timer: NodeJS.Timeout | undefined = undefined;

  /** @internal */
  constructor(loop: HandleOwner, when: number, cb: (...args: never[]) => unknown, args: unknown[]) {
    super(loop, cb, args);
    this.#when = when;
  }

  /** When the callback is due, in `loop.time()` seconds. */
  when(): number {
    return this.#when;
  }

  /** @internal */
  _arm(): void {
    this.#timer = setTimeout(runHandle, timerMs(this.#when - monotonic()), this);
  }

  /** @internal */
  override _clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

/** @internal The timer and immediate callback of every handle. */
export function runHandle(h: Handle): void {
  h._run();
}
