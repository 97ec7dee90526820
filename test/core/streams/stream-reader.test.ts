// StreamReader fed by hand, as asyncio's test_streams.py does: the read
// methods, separators, iteration, EOF, exceptions and flow control signals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError, DEFAULT_LIMIT, IncompleteReadError, InvalidStateError, LimitOverrunError, StreamReader, createTask,
} from '../../../src/index.js';

function fed(...parts: string[]): StreamReader {
  const r = new StreamReader();
  for (const p of parts) r.feedData(Buffer.from(p));
  return r;
}

test('readline across chunks, then the partial last line at EOF', async () => {
  const r = fed('li', 'ne1\nline', '2\nlast');
  r.feedEof();
  assert.equal((await r.readline()).toString(), 'line1\n');
  assert.equal((await r.readline()).toString(), 'line2\n');
  assert.equal((await r.readline()).toString(), 'last');
  assert.equal((await r.readline()).length, 0);
  assert.equal(r.atEof(), true);
});

test('readline waits for data that arrives later', async () => {
  const r = new StreamReader();
  const p = r.readline();
  r.feedData(Buffer.from('abc'));
  r.feedData(Buffer.from('def\n'));
  assert.equal((await p).toString(), 'abcdef\n');
});

test('readuntil with a list of separators takes the first one found', async () => {
  const r = fed('a;b\r\nc');
  assert.equal((await r.readuntil(['\r\n', ';'])).toString(), 'a;');
  assert.equal((await r.readuntil([Buffer.from('\r\n'), ';'])).toString(), 'b\r\n');
});

test('readuntil with a list: the match that ends first wins, the shortest on a tie (asyncio 3.13)', async () => {
  // 'abcd' starts first, but 'bc' ends first.
  const r = fed('xabcd|');
  assert.equal((await r.readuntil(['abcd', 'bc'])).toString(), 'xabc');
  assert.equal((await r.readuntil(['abcd', 'bc', '|'])).toString(), 'd|');
  // '\r\n' and '\n' end together: '\n' (the shorter) is the match, so the
  // limit is measured to its start, as asyncio does.
  const limited = new StreamReader({ limit: 2 });
  limited.feedData(Buffer.from('ab\r\nz'));
  const err = await limited.readuntil(['\r\n', '\n']).catch((e: unknown) => e);
  assert.ok(err instanceof LimitOverrunError);
  assert.equal(err.consumed, 3);
  assert.equal((await limited.readuntil('\r\n')).toString(), 'ab\r\n'); // the data was kept
});

test('read(n), read() to EOF, readany', async () => {
  const r = fed('0123456789');
  assert.equal((await r.read(4)).toString(), '0123');
  assert.equal((await r.readany()).toString(), '456789');
  r.feedData(Buffer.from('rest'));
  r.feedEof();
  assert.equal((await r.read()).toString(), 'rest');
  assert.equal((await r.read()).length, 0);
  assert.equal((await r.read(0)).length, 0);
});

test('async iteration yields lines until EOF', async () => {
  const r = fed('a\nb\nc');
  r.feedEof();
  const lines: string[] = [];
  for await (const line of r) lines.push(line.toString());
  assert.deepEqual(lines, ['a\n', 'b\n', 'c']);
});

test('setException fails the pending and the next reads', async () => {
  const r = new StreamReader();
  const p = r.readexactly(5);
  const boom = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
  r.setException(boom);
  await assert.rejects(p, boom);
  await assert.rejects(r.readline(), boom);
  assert.equal(r.exception(), boom);
});

test('two reads waiting at once is an InvalidStateError', async () => {
  const r = new StreamReader();
  const first = r.read(1);
  await assert.rejects(r.read(1), InvalidStateError);
  r.feedData(Buffer.from('x'));
  assert.equal((await first).toString(), 'x');
});

test('a read is cancelled with its task', async () => {
  const r = new StreamReader();
  const t = createTask(() => r.readline());
  await new Promise((res) => setImmediate(res));
  t.cancel();
  await assert.rejects(t, CancelledError);
  r.feedData(Buffer.from('still here\n'));
  assert.equal((await r.readline()).toString(), 'still here\n');
});

test('the transport is paused past 2 x limit and resumed at or under the limit', async () => {
  const calls: string[] = [];
  const r = new StreamReader({ limit: 10 });
  r.setTransport({ pauseReading: () => calls.push('pause'), resumeReading: () => calls.push('resume') });
  r.feedData(Buffer.alloc(15, 0x61));
  assert.deepEqual(calls, []);
  r.feedData(Buffer.alloc(10, 0x61));
  assert.deepEqual(calls, ['pause']);
  await r.read(10);
  assert.deepEqual(calls, ['pause']); // 15 left: still over the limit
  await r.read(5);
  assert.deepEqual(calls, ['pause', 'resume']);
  assert.equal(DEFAULT_LIMIT, 65536);
});

test('feedData after feedEof is an InvalidStateError', () => {
  const r = new StreamReader();
  r.feedEof();
  assert.throws(() => r.feedData(Buffer.from('x')), InvalidStateError);
});

test('property: any chunking gives the same bytes (readline mixed with readexactly and read)', async () => {
  const fc = await import('fast-check');
  await fc.assert(fc.asyncProperty(
    fc.array(fc.constantFrom('a', 'b', '\n', 'xyz\n', '\r\n'), { maxLength: 60 }),
    fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
    fc.array(fc.constantFrom('line', 'exactly', 'read'), { minLength: 1, maxLength: 20 }),
    async (parts, cuts, modes) => {
      const data = Buffer.from(parts.join(''));
      const r = new StreamReader({ limit: 1024 });
      for (let at = 0, k = 0; at < data.length; k++) {
        const n = cuts[k % cuts.length]!;
        r.feedData(data.subarray(at, at + n));
        at += n;
      }
      r.feedEof();
      const out: Buffer[] = [];
      for (let k = 0; ; k++) {
        const mode = modes[k % modes.length]!;
        const chunk = mode === 'line' ? await r.readline() : mode === 'read' ? await r.read(5) : await r.readexactly(Math.min(3, r.bufferedSize));
        if (chunk.length === 0 && r.atEof()) break;
        out.push(chunk);
      }
      assert.deepEqual(Buffer.concat(out), data);
    },
  ), { numRuns: 300 });
});

test('property: reads waiting while chunks arrive give the same bytes, and flow control pauses and resumes', async () => {
  const fc = await import('fast-check');
  await fc.assert(fc.asyncProperty(
    fc.array(fc.constantFrom('ab', '\n', 'xyz\n', 'qrstuvw\n'), { maxLength: 40 }),
    fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }),
    fc.array(fc.constantFrom('line', 'exactly', 'read', 'any'), { minLength: 1, maxLength: 10 }),
    async (parts, cuts, modes) => {
      const data = Buffer.from(parts.join(''));
      const r = new StreamReader({ limit: 16 });
      let paused = false;
      r.setTransport({ pauseReading: () => (paused = true), resumeReading: () => (paused = false) });
      const reading = (async () => {
        const out: Buffer[] = [];
        for (let k = 0; ; k++) {
          const mode = modes[k % modes.length]!;
          let chunk: Buffer;
          try {
            chunk = mode === 'line' ? await r.readline() : mode === 'read' ? await r.read(7) : mode === 'any' ? await r.readany() : await r.readexactly(1);
          } catch (e) {
            // readexactly(1) at the very end: nothing was left to read.
            if (e instanceof IncompleteReadError && e.partial.length === 0) return Buffer.concat(out);
            throw e;
          }
          if (chunk.length === 0 && r.atEof()) return Buffer.concat(out);
          out.push(chunk);
        }
      })().catch((e: unknown) => e);
      for (let at = 0, k = 0; at < data.length; k++) {
        const n = cuts[k % cuts.length]!;
        while (paused) await new Promise((res) => setImmediate(res));
        r.feedData(data.subarray(at, at + n));
        at += n;
        if (k % 2 === 0) await new Promise((res) => setImmediate(res));
      }
      r.feedEof();
      const got = await reading;
      // A line past the limit is dropped by design (LimitOverrunError): nothing to compare then.
      if (got instanceof Error) assert.equal(got.name, 'LimitOverrunError');
      else assert.deepEqual(got, data);
    },
  ), { numRuns: 200 });
});
