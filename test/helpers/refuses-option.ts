import assert from 'node:assert/strict';
import { inspect } from 'node:util';

/**
 * Call `fn` and check it refuses an option: a TypeError (thrown, or a
 * rejection) whose message matches `expected`.
 */
export async function refusesOption(fn: () => unknown, expected: RegExp): Promise<void> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof TypeError, `expected a TypeError matching ${expected}, got ${error === undefined ? 'no error' : inspect(error)}`);
  assert.match(error.message, expected);
}
