/**
 * SIGINT while a loop runs (`run`, `runUntilComplete`, `runForever`): Python's
 * default SIGINT handler raises `KeyboardInterrupt` wherever the program is,
 * so its `except`/`finally` blocks and `loop.close()` run. Node's default
 * kills the process instead; this module turns the signal into a
 * `KeyboardInterrupt` that the waiting call throws.
 * @module
 */
import { KeyboardInterrupt } from './errors.js';

/** @internal A SIGINT watch for the length of one loop run. */
export class SigintWatch {
  /** True once SIGINT arrived and was ours to handle. */
  interrupted = false;
  readonly #onInterrupt: () => void;
  readonly #own: boolean;
  readonly #listener = (): void => {
    // A SIGINT handler added since (loop.addSignalHandler in main) replaces
    // ours, as a handler set with signal.signal() replaces asyncio's.
    if (process.listenerCount('SIGINT') > 1) return;
    this.interrupted = true;
    // A second SIGINT gets Node's default and ends the process at once, as a
    // second Ctrl+C does when the first one's KeyboardInterrupt is ignored.
    process.off('SIGINT', this.#listener);
    this.#onInterrupt();
  };

  constructor(onInterrupt: () => void) {
    this.#onInterrupt = onInterrupt;
    // As asyncio, only take SIGINT over when nobody else handles it.
    this.#own = process.listenerCount('SIGINT') === 0;
    if (this.#own) process.on('SIGINT', this.#listener);
  }

  /** Stop watching (the run ended, however it ended). */
  dispose(): void {
    if (this.#own) process.off('SIGINT', this.#listener);
  }
}

/**
 * @internal The `KeyboardInterrupt` a run throws after SIGINT. Uncaught, it
 * ends the process with 130 (128 + SIGINT) as in Python; Node would exit with
 * 1, so the code is changed on the way out. A caller that catches it keeps its
 * own exit code.
 */
export function keyboardInterrupt(cause?: unknown): KeyboardInterrupt {
  const ki = new KeyboardInterrupt('interrupted by SIGINT', cause === undefined ? undefined : { cause });
  // One monitor for the process, not one per interrupt: a caught interrupt
  // leaves nothing registered behind it.
  if (!monitoring) process.on('uncaughtExceptionMonitor', exitWith130);
  monitoring = true;
  thrown.add(ki);
  return ki;
}

const thrown = new WeakSet<object>();
let monitoring = false;

function exitWith130(err: unknown): void {
  if (typeof err !== 'object' || err === null || !thrown.has(err)) return;
  process.once('exit', () => {
    process.exitCode = 130;
  });
}
