// Argument checks shared by the core: every public function validates its
// input once, with a message that names the function, the argument and the value.

/** @internal */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * A duration in seconds: finite, negative means zero (as in asyncio).
 * @internal
 */
export function toDelay(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${where}: ${name} must be a number of seconds, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`${where}: ${name} must be a finite number of seconds, got ${value}`);
  return value < 0 ? 0 : value;
}

/** A duration or `null`/`undefined` for "no limit". @internal */
export function toOptionalDelay(where: string, name: string, value: unknown): number | null {
  return value === null || value === undefined ? null : toDelay(where, name, value);
}

/** A deadline on the loop clock (`loop.time()`), or null. @internal */
export function toDeadline(where: string, name: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number') throw new TypeError(`${where}: ${name} must be a number (loop.time() seconds) or null, got ${describe(value)}`);
  if (Number.isNaN(value)) throw new RangeError(`${where}: ${name} must not be NaN`);
  return value === Infinity ? null : value;
}

/** An integer, with an optional lower bound. @internal */
export function toInt(where: string, name: string, value: unknown, min?: number): number {
  if (typeof value !== 'number') throw new TypeError(`${where}: ${name} must be an integer, got ${describe(value)}`);
  if (!Number.isInteger(value)) throw new RangeError(`${where}: ${name} must be an integer, got ${value}`);
  if (min !== undefined && value < min) throw new RangeError(`${where}: ${name} must be >= ${min}, got ${value}`);
  return value;
}

/** @internal */
export function toFunction<F extends (...args: never[]) => unknown>(where: string, name: string, value: unknown): F {
  if (typeof value !== 'function') throw new TypeError(`${where}: ${name} must be a function, got ${describe(value)}`);
  return value as F;
}

/** @internal */
export function toSignal(where: string, value: unknown): AbortSignal | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof AbortSignal)) throw new TypeError(`${where}: signal must be an AbortSignal, got ${describe(value)}`);
  return value;
}
