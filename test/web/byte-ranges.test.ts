// parseRange on any header: the ranges it returns lie inside the file, are
// sorted and apart, and never add up to more than the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_RANGES, parseRange, type ByteRange } from '../../src/web/byte-ranges.js';

const spec = fc.oneof(
  fc.tuple(fc.nat(2000), fc.nat(2000)).map(([a, b]) => `${a}-${b}`),
  fc.nat(2000).map((a) => `${a}-`),
  fc.nat(2000).map((b) => `-${b}`),
  fc.string({ maxLength: 6 }),
);

test('parseRange: inside the file, sorted, disjoint, at most the file in total (property)', () => {
  fc.assert(fc.property(fc.array(spec, { maxLength: 150 }), fc.nat(3000), fc.constantFrom(',', ', ', ' ,'), (specs, size, sep) => {
    const set = specs.join(sep);
    const out = parseRange(`bytes=${set}`, size);
    if (out === null) {
      // Ignored only for too many ranges (the unit is bytes).
      assert.ok(set.split(',').length > MAX_RANGES);
      return;
    }
    if (out === 'unsatisfiable') return;
    let total = 0;
    let prev: ByteRange | undefined;
    for (const r of out) {
      assert.ok(r.start >= 0 && r.start <= r.end && r.end < size, JSON.stringify(r));
      if (prev !== undefined) assert.ok(r.start > prev.end + 1, 'merged');
      total += r.end - r.start + 1;
      prev = r;
    }
    assert.ok(total <= size);
    assert.ok(out.length <= MAX_RANGES);
  }));
});

test('parseRange: the cases', () => {
  const cases: [string | undefined, number, ReturnType<typeof parseRange>][] = [
    [undefined, 10, null],
    ['bytes=0-4', 10, [{ start: 0, end: 4 }]],
    ['bytes=-3', 10, [{ start: 7, end: 9 }]],
    ['bytes=8-', 10, [{ start: 8, end: 9 }]],
    ['bytes=0-2,4-6', 10, [{ start: 0, end: 6 }]],
    ['bytes=0-0,200-300', 1000, [{ start: 0, end: 0 }, { start: 200, end: 300 }]],
    ['bytes=10-', 10, 'unsatisfiable'],
    ['bytes=0-', 0, 'unsatisfiable'],
    ['bytes=-0', 10, 'unsatisfiable'],
    ['bytes=3-2', 10, 'unsatisfiable'],
    ['bytes=a-b', 10, 'unsatisfiable'],
    ['bytes=', 10, 'unsatisfiable'],
    ['lines=1-2', 10, null],
    ['garbage', 10, null],
    [`bytes=${Array(MAX_RANGES + 1).fill('0-0').join(',')}`, 10, null],
    [`bytes=${Array(MAX_RANGES).fill('0-0').join(',')}`, 10, [{ start: 0, end: 0 }]],
  ];
  for (const [header, size, expected] of cases) assert.deepEqual(parseRange(header, size), expected, String(header));
});
