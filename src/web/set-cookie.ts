/**
 * One `Set-Cookie` line, checked, as aiohttp's `set_cookie` builds it; shared
 * by responses and HTTP exceptions.
 * @module
 */
import { stringifySetCookie, type SerializeOptions } from 'cookie';
import { checkOptions, knownOptions } from '../core/options.js';
import { describe } from '../core/validate.js';

const COOKIE_OPTIONS = knownOptions('maxAge', 'expires', 'domain', 'path', 'httpOnly', 'secure', 'partitioned', 'priority', 'sameSite');
/** @internal The options of `delCookie()`. */
export const DEL_COOKIE_OPTIONS = knownOptions('domain', 'path');

/** @internal The `Set-Cookie` value for `name=value` (path `/` unless given), or a TypeError naming `where`. */
export function setCookieLine(where: string, name: unknown, value: unknown, options: Omit<SerializeOptions, 'encode'> | undefined): string {
  checkOptions(where, options, COOKIE_OPTIONS);
  if (typeof name !== 'string' || name === '') throw new TypeError(`${where}: name must be a non-empty string, got ${describe(name)}`);
  if (typeof value !== 'string') throw new TypeError(`${where}: value must be a string, got ${describe(value)}`);
  try {
    return stringifySetCookie(name, value, { path: '/', ...options });
  } catch (e) {
    throw new TypeError(`${where}: cookie ${JSON.stringify(name)}: ${(e as Error).message}`, { cause: e });
  }
}
