// The water marks of a write buffer, resolved as asyncio's
// _set_write_buffer_limits does: either one implies the other.
import { describe } from '../validate.js';
import type { WriteBufferLimits } from './transport.js';

/** asyncio's default high-water mark: 64 KiB. */
export const DEFAULT_HIGH = 64 * 1024;

/** @internal `[low, high]` from what the caller gave; RangeError unless high >= low >= 0. */
export function toWriteLimits(where: string, limits: WriteBufferLimits | undefined): [number, number] {
  if (limits !== undefined && (typeof limits !== 'object' || limits === null)) {
    throw new TypeError(`${where}: limits must be { high, low }, got ${describe(limits)}`);
  }
  for (const k in limits) {
    if (k !== 'high' && k !== 'low') throw new TypeError(`${where}: unknown option ${JSON.stringify(k)}; known options: high, low`);
  }
  const hi = limits?.high;
  const lo = limits?.low;
  if (hi !== undefined && (typeof hi !== 'number' || !Number.isInteger(hi))) throw new TypeError(`${where}: high must be an integer, got ${describe(hi)}`);
  if (lo !== undefined && (typeof lo !== 'number' || !Number.isInteger(lo))) throw new TypeError(`${where}: low must be an integer, got ${describe(lo)}`);
  const high = hi ?? (lo === undefined ? DEFAULT_HIGH : 4 * lo);
  const low = lo ?? Math.floor(high / 4);
  if (!(high >= low && low >= 0)) throw new RangeError(`${where}: high (${high}) must be >= low (${low}) must be >= 0`);
  return [low, high];
}
