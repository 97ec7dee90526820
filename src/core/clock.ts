import { performance } from 'node:perf_hooks';

/** @internal Monotonic seconds, the clock of `loop.time()` and every deadline. */
export function monotonic(): number {
  return performance.now() / 1000;
}
