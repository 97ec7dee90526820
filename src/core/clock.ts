import { performance } from 'node:perf_hooks';

/** @internal Monotonic seconds, the clock of `loop.time()` and every deadline. */
export function monotonic(): number {
  return performance.now() / 1000;
}

/**
 * @internal A setTimeout delay that never fires before `seconds` have passed
 * on the monotonic clock: libuv truncates both the delay and its own clock to
 * whole milliseconds, which made timers fire up to 2 ms early.
 */
export function timerMs(seconds: number): number {
  return seconds <= 0 ? 0 : Math.ceil(seconds * 1000) + 1;
}
