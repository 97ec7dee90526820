// Property tests for the header checks and the raw header parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseRawHeaders, ResponseHeaders } from '../../src/client/headers.js';
import { addHeader } from '../../src/client/request-options.js';
import { InvalidHeaderError } from '../../src/client/errors.js';

const tokenChar = fc.constantFrom(...'!#$%&\'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 20 });
// What undici and RFC 9110 allow in a value: HTAB, visible ASCII, space, obs-text (0x80-0xFF).
const valueChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c));
const safeValue = fc.string({ unit: valueChar, maxLength: 40 });
const badChar = fc.oneof(fc.integer({ min: 0, max: 0x08 }), fc.integer({ min: 0x0a, max: 0x1f }), fc.constant(0x7f), fc.integer({ min: 0x100, max: 0xffff }))
  .map((c) => String.fromCharCode(c));

test('any token name and any value of allowed characters is accepted, lower-cased', () => {
  fc.assert(fc.property(token, safeValue, (name, value) => {
    const out: Record<string, string> = {};
    addHeader('t', out, name, value);
    assert.equal(out[name.toLowerCase()], value);
  }));
});

test('a CR, LF or NUL anywhere in a value is refused', () => {
  fc.assert(fc.property(token, safeValue, safeValue, fc.constantFrom('\r', '\n', '\0', '\r\n'), (name, a, b, bad) => {
    assert.throws(() => addHeader('t', {}, name, a + bad + b), InvalidHeaderError);
  }));
});

test('any other character (controls, DEL, beyond U+00FF) is refused with InvalidHeaderError', () => {
  fc.assert(fc.property(token, safeValue, safeValue, badChar, (name, a, b, bad) => {
    assert.throws(() => addHeader('t', {}, name, a + bad + b), InvalidHeaderError);
  }));
});

test('parseRawHeaders keeps every value, case-insensitively', () => {
  fc.assert(fc.property(fc.array(fc.tuple(token, safeValue.filter((v) => /^[\x20-\x7e]*$/.test(v))), { maxLength: 10 }), (pairs) => {
    const raw = pairs.flatMap(([k, v]) => [Buffer.from(k, 'latin1'), Buffer.from(v, 'latin1')]);
    const h = new ResponseHeaders(parseRawHeaders(raw));
    for (const [k] of pairs) {
      const expected = pairs.filter(([k2]) => k2.toLowerCase() === k.toLowerCase()).map(([, v]) => v);
      assert.deepEqual(h.getAll(k.toUpperCase()), expected);
      assert.equal(h.get(k), expected.join(', '));
    }
    assert.equal([...h].length, pairs.length);
  }));
});

test('a header named __proto__ is kept as a header, not swallowed by the prototype', () => {
  const out: Record<string, string> = {};
  addHeader('t', out, '__proto__', 'x');
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.equal(out['__proto__'], 'x');
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys({ ...out }), ['__proto__']);
});
