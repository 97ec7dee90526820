// Hostile input for the streams layer: bad arguments (a table), a peer that
// never sends a newline, a peer that resets mid-read, a fast peer against a
// slow reader (flow control keeps memory bounded), and reads cut by EOF.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import {
  IncompleteReadError, LimitOverrunError, StreamReader, openConnection, startServer, startUnixServer,
} from '../../../src/index.js';
import { serve } from './helpers.js';

const noop = (): void => {};

const badArguments: { name: string; run: () => unknown; error: RegExp }[] = [
  { name: 'port above 65535', run: () => openConnection('127.0.0.1', 70000), error: /openConnection\(\): port must be between 1 and 65535, got 70000/ },
  { name: 'port 0 to connect', run: () => openConnection('127.0.0.1', 0), error: /port must be between 1 and 65535, got 0/ },
  { name: 'port not an integer', run: () => openConnection('127.0.0.1', 80.5), error: /openConnection\(\): port must be an integer, got number 80.5/ },
  { name: 'port as a string', run: () => openConnection('127.0.0.1', '80' as unknown as number), error: /port must be an integer, got string "80"/ },
  { name: 'empty host', run: () => openConnection('', 80), error: /openConnection\(\): host must not be empty/ },
  { name: 'host not a string', run: () => openConnection(null as unknown as string, 80), error: /host must be a string, got null/ },
  { name: 'negative limit', run: () => openConnection('127.0.0.1', 80, { limit: -1 }), error: /openConnection\(\): limit must be >= 1, got -1/ },
  { name: 'timeout not a number', run: () => openConnection('127.0.0.1', 80, { timeout: '5' as unknown as number }), error: /timeout must be a number of seconds/ },
  { name: 'serverHostname without ssl', run: () => openConnection('127.0.0.1', 80, { serverHostname: 'a' }), error: /serverHostname is only meaningful with ssl/ },
  { name: 'ssl of a wrong type', run: () => openConnection('127.0.0.1', 80, { ssl: 'yes' as unknown as boolean }), error: /ssl must be true or TLS options/ },
  { name: 'localAddr not a pair', run: () => openConnection('127.0.0.1', 80, { localAddr: ['127.0.0.1'] as unknown as [string, number] }), error: /localAddr must be \[address, port\]/ },
  { name: 'server port -1', run: () => startServer(noop, '127.0.0.1', -1), error: /startServer\(\): port must be between 0 and 65535, got -1/ },
  { name: 'server port 65536', run: () => startServer(noop, '127.0.0.1', 65536), error: /port must be between 0 and 65535, got 65536/ },
  { name: 'server empty host', run: () => startServer(noop, '', 0), error: /startServer\(\): host must not be empty/ },
  { name: 'server callback missing', run: () => startServer(undefined as unknown as () => void, '127.0.0.1', 0), error: /startServer\(\): clientConnected must be a function/ },
  { name: 'server limit 0', run: () => startServer(noop, '127.0.0.1', 0, { limit: 0 }), error: /limit must be >= 1, got 0/ },
  { name: 'server negative backlog', run: () => startServer(noop, '127.0.0.1', 0, { backlog: -5 }), error: /backlog must be >= 0, got -5/ },
  { name: 'unix server empty path', run: () => startUnixServer(noop, ''), error: /startUnixServer\(\): path must not be empty/ },
  { name: 'reader negative limit', run: () => new StreamReader({ limit: -1 }), error: /StreamReader\(\): limit must be >= 1, got -1/ },
  { name: 'readexactly(-1)', run: () => new StreamReader().readexactly(-1), error: /StreamReader\.readexactly\(\): n must be >= 0, got -1/ },
  { name: 'readexactly(1.5)', run: () => new StreamReader().readexactly(1.5), error: /n must be an integer, got 1.5/ },
  { name: 'readuntil of no separator', run: () => new StreamReader().readuntil([]), error: /the list of separators is empty/ },
  { name: 'readuntil of an empty separator', run: () => new StreamReader().readuntil(''), error: /at least one byte/ },
];

for (const c of badArguments) {
  test(`bad argument: ${c.name}`, async () => {
    await assert.rejects(async () => c.run(), c.error);
  });
}

test('10 MB without a newline: readline throws LimitOverrunError, memory stays bounded, the stream stays usable', async (t) => {
  const limit = 64 * 1024;
  const { port } = await serve(t, async (_reader, writer) => {
    for (let i = 0; i < 10; i++) {
      writer.write(Buffer.alloc(1 << 20, 0x61));
      await writer.drain();
    }
    writer.write('\nafter\n');
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port, { limit });
  t.after(() => writer.close());
  let overruns = 0;
  let maxBuffered = 0;
  let line: Buffer;
  for (;;) {
    try {
      line = await reader.readline();
    } catch (e) {
      assert.ok(e instanceof LimitOverrunError);
      assert.ok(e.consumed > limit);
      overruns++;
      continue;
    } finally {
      maxBuffered = Math.max(maxBuffered, reader.bufferedSize);
    }
    if (line.toString() === 'after\n') break;
    assert.match(line.toString(), /^a*\n$/); // a tail of the long line whose end had not arrived yet
  }
  assert.ok(overruns >= 10, `expected many overruns, got ${overruns}`);
  // Never more than the flow-control mark plus one socket read.
  assert.ok(maxBuffered <= 2 * limit + 256 * 1024, `buffered ${maxBuffered}`);
  assert.equal((await reader.readline()).length, 0);
});

test('LimitOverrunError.consumed tells how much to read to get past it, and the data is kept', async () => {
  const reader = new StreamReader({ limit: 16 });
  reader.feedData(Buffer.from('x'.repeat(40) + '|tail|'));
  const err = await reader.readuntil('|').catch((e: unknown) => e);
  assert.ok(err instanceof LimitOverrunError);
  assert.equal(err.consumed, 40);
  assert.equal(reader.bufferedSize, 46); // readuntil keeps the data
  assert.equal((await reader.readexactly(err.consumed)).toString(), 'x'.repeat(40));
  assert.equal((await reader.readuntil('|')).toString(), '|');
  assert.equal((await reader.readuntil('|')).toString(), 'tail|');
});

test('readline drops a line longer than the limit whose end arrived, and reads the next one', async () => {
  const reader = new StreamReader({ limit: 8 });
  reader.feedData(Buffer.from('0123456789abc\nnext\n'));
  const err = await reader.readline().catch((e: unknown) => e);
  assert.ok(err instanceof LimitOverrunError);
  assert.equal(err.consumed, 13);
  assert.equal((await reader.readline()).toString(), 'next\n');
});

test('EOF before a full read: IncompleteReadError with partial and expected', async (t) => {
  const { port } = await serve(t, async (_reader, writer) => {
    writer.write('12345');
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  t.after(() => writer.close());
  const err = await reader.readexactly(10).catch((e: unknown) => e);
  assert.ok(err instanceof IncompleteReadError);
  assert.equal(err.partial.toString(), '12345');
  assert.equal(err.expected, 10);
  const r2 = new StreamReader();
  r2.feedData(Buffer.from('no end'));
  r2.feedEof();
  const e2 = await r2.readuntil('END').catch((e: unknown) => e);
  assert.ok(e2 instanceof IncompleteReadError);
  assert.equal(e2.partial.toString(), 'no end');
  assert.equal(e2.expected, null);
  assert.equal(r2.atEof(), true);
});

test('a peer that resets mid-read: the read rejects with ECONNRESET', async (t) => {
  const { port } = await serve(t, async (reader, writer) => {
    await reader.readexactly(2);
    writer.write('partial');
    await reader.readexactly(2); // the client got it: nothing is in flight
    writer.transport.resetAndDestroy();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  t.after(() => writer.close());
  writer.write('go');
  assert.equal((await reader.readexactly(7)).toString(), 'partial');
  writer.write('ok');
  await assert.rejects(reader.readexactly(100), { code: 'ECONNRESET' });
  await assert.rejects(reader.readline(), { code: 'ECONNRESET' });
  assert.equal(reader.exception() !== null, true);
});

test('flow control: a fast peer is paused at 2 x limit and memory stays bounded', async (t) => {
  const limit = 64 * 1024;
  const total = 32 << 20;
  const { port } = await serve(t, async (_reader, writer) => {
    const block = Buffer.alloc(1 << 20, 0x62);
    for (let sent = 0; sent < total; sent += block.length) {
      writer.write(block);
      await writer.drain();
    }
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port, { limit });
  t.after(() => writer.close());
  const socket = writer.transport;
  await once(socket, 'pause');
  assert.equal(socket.isPaused(), true);
  assert.ok(reader.bufferedSize > 2 * limit, `paused at ${reader.bufferedSize}`);
  assert.ok(reader.bufferedSize <= 2 * limit + 256 * 1024, `paused at ${reader.bufferedSize}`);
  // Give the peer time to push more: the reader must not take it.
  const before = reader.bufferedSize;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(reader.bufferedSize, before);
  let received = 0;
  let maxBuffered = 0;
  for (;;) {
    const chunk = await reader.read(limit);
    if (chunk.length === 0) break;
    received += chunk.length;
    maxBuffered = Math.max(maxBuffered, reader.bufferedSize);
  }
  assert.equal(received, total);
  assert.ok(maxBuffered <= 2 * limit + 256 * 1024, `buffered ${maxBuffered}`);
});
