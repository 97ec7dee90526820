// Property: StreamReader's readline/readuntil/readexactly (and read() to
// EOF) give the results of a plain model over the whole byte string, however
// the bytes arrive: all at once, or in arbitrary chunks fed while the reads
// wait. Separators that straddle chunk boundaries ('aab' as 'a' + 'ab') are
// the case a chunked search gets wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as immediate } from 'node:timers/promises';
import fc from 'fast-check';
import { IncompleteReadError, StreamReader } from '../../src/index.js';
import { checkProperty } from './fuzz-runs.js';
import { splitAt } from './raw-http.js';

type Op = { kind: 'readline' } | { kind: 'readuntil'; sep: string } | { kind: 'readexactly'; n: number } | { kind: 'readall' };
type Outcome = { ok: string } | { incomplete: string; expected: number | null };

/** The model: one string, a cursor. */
function model(data: string, ops: readonly Op[]): Outcome[] {
  let pos = 0;
  const out: Outcome[] = [];
  for (const op of ops) {
    const rest = data.slice(pos);
    if (op.kind === 'readall') {
      out.push({ ok: rest });
      pos = data.length;
      continue;
    }
    if (op.kind === 'readexactly') {
      if (rest.length >= op.n) {
        out.push({ ok: rest.slice(0, op.n) });
        pos += op.n;
      } else {
        out.push({ incomplete: rest, expected: op.n });
        pos = data.length;
      }
      continue;
    }
    const sep = op.kind === 'readline' ? '\n' : op.sep;
    const at = rest.indexOf(sep);
    if (at !== -1) {
      out.push({ ok: rest.slice(0, at + sep.length) });
      pos += at + sep.length;
    } else if (op.kind === 'readline') {
      // readline at EOF returns what is left (asyncio's), not an error.
      out.push({ ok: rest });
      pos = data.length;
    } else {
      out.push({ incomplete: rest, expected: null });
      pos = data.length;
    }
  }
  return out;
}

async function run(reader: StreamReader, ops: readonly Op[]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const op of ops) {
    try {
      const b = op.kind === 'readline' ? await reader.readline()
        : op.kind === 'readuntil' ? await reader.readuntil(op.sep)
          : op.kind === 'readexactly' ? await reader.readexactly(op.n)
            : await reader.read();
      out.push({ ok: b.toString('latin1') });
    } catch (e) {
      if (!(e instanceof IncompleteReadError)) throw e;
      out.push({ incomplete: e.partial.toString('latin1'), expected: e.expected });
    }
  }
  return out;
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'readline' }),
  fc.constantFrom('\n', '\r\n', '|', 'ab', 'aab', 'aaab').map((sep): Op => ({ kind: 'readuntil', sep })),
  fc.nat({ max: 12 }).map((n): Op => ({ kind: 'readexactly', n })),
  fc.constant<Op>({ kind: 'readall' }),
);

test('StreamReader reads the same for any chunking of the same bytes', async () => {
  await checkProperty(import.meta.filename, 'StreamReader chunking', fc.asyncProperty(
    fc.string({ unit: fc.constantFrom('a', 'a', 'b', '\n', '\r', '|', 'x'), maxLength: 60 }),
    fc.array(fc.nat(), { maxLength: 12 }),
    fc.array(op, { minLength: 1, maxLength: 8 }),
    fc.array(fc.constantFrom('sync', 'microtask', 'immediate'), { minLength: 1, maxLength: 4 }),
    async (data, cuts, ops, pauses) => {
      const want = model(data, ops);
      const bytes = Buffer.from(data, 'latin1');

      const whole = new StreamReader();
      whole.feedData(bytes);
      whole.feedEof();
      assert.deepEqual(await run(whole, ops), want, 'fed at once');

      const chunked = new StreamReader();
      const feeder = (async () => {
        const pieces = data === '' ? [] : splitAt(bytes, cuts);
        for (let i = 0; i < pieces.length; i++) {
          chunked.feedData(pieces[i] as Uint8Array);
          const p = pauses[i % pauses.length];
          if (p === 'microtask') await Promise.resolve();
          else if (p === 'immediate') await immediate();
        }
        chunked.feedEof();
      })();
      const got = await run(chunked, ops);
      await feeder;
      assert.deepEqual(got, want, 'fed in chunks');
    },
  ), 2000);
});
