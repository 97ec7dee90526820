import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOptions, knownOptions, suggest } from '../../src/core/options.js';

const KNOWN = knownOptions('clientMaxSize', 'returnExceptions', 'ssl', 'timeout', 'signal');
const ALIASES = { ssl_context: 'ssl' };

function message(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TypeError, `expected a TypeError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('did not throw');
}

describe('checkOptions()', () => {
  it('accepts undefined, an empty object and known names (undefined values too)', () => {
    checkOptions('f()', undefined, KNOWN);
    checkOptions('f()', {}, KNOWN);
    checkOptions('f()', { clientMaxSize: 1, timeout: undefined }, KNOWN);
    checkOptions('f()', Object.create(null) as object, KNOWN);
  });

  it('refuses an unknown name, naming the function and the option', () => {
    const m = message(() => checkOptions('f()', { timeout: 1, bogus: true }, KNOWN));
    assert.match(m, /^f\(\): unknown option "bogus"/);
    assert.match(m, /known options: clientMaxSize, returnExceptions, signal, ssl, timeout/);
  });

  it('refuses an unknown name even when its value is undefined', () => {
    assert.match(message(() => checkOptions('f()', { bogus: undefined }, KNOWN)), /unknown option "bogus"/);
  });

  it('hints the camelCase name of a snake_case one', () => {
    assert.equal(message(() => checkOptions('f()', { client_max_size: 1 }, KNOWN)), 'f(): unknown option "client_max_size"; did you mean "clientMaxSize"?');
    assert.match(message(() => checkOptions('f()', { return_exceptions: true }, KNOWN)), /did you mean "returnExceptions"\?/);
  });

  it('hints the aiots name of an aiohttp one from the alias table', () => {
    assert.equal(message(() => checkOptions('f()', { ssl_context: {} }, KNOWN, ALIASES)), 'f(): unknown option "ssl_context"; did you mean "ssl"?');
  });

  it('hints a close spelling and a different case', () => {
    assert.match(message(() => checkOptions('f()', { timout: 1 }, KNOWN)), /did you mean "timeout"\?/);
    assert.match(message(() => checkOptions('f()', { clientmaxsize: 1 }, KNOWN)), /did you mean "clientMaxSize"\?/);
  });

  it('gives no hint for a name far from every known one', () => {
    assert.equal(suggest('proxy', KNOWN), undefined);
    assert.equal(suggest('ab', knownOptions('cd')), undefined);
  });

  it('refuses options that are not an object', () => {
    assert.equal(message(() => checkOptions('f()', 'ssl', KNOWN)), 'f(): options must be an object, got string "ssl"');
    assert.match(message(() => checkOptions('f()', ['ssl'], KNOWN)), /options must be an object, got an array/);
    assert.match(message(() => checkOptions('f()', null, KNOWN)), /options must be an object, got null/);
    assert.match(message(() => checkOptions('f()', 5, KNOWN)), /options must be an object, got number 5/);
  });

  it('does not take inherited Object.prototype names for options', () => {
    checkOptions('f()', { timeout: 1 }, knownOptions('timeout'));
    assert.equal(suggest('constructor', KNOWN), undefined);
    assert.equal(suggest('toString', KNOWN, ALIASES), undefined);
  });
});
