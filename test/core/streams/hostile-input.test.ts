// Hostile input for the streams layer: bad arguments (a table), a peer that
// never sends a newline, a peer that resets mid-read, a fast peer against a
// slow reader (flow control keeps memory bounded), and reads cut by EOF.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import {
  Future, IncompleteReadError, InvalidStateError, LimitOverrunError, StreamReader, getEventLoop, openConnection, openUnixConnection,
  startServer, startUnixServer, waitFor, type ExceptionContext,
} from '../../../src/index.js';
import { serve } from './helpers.js';

const noop = (): void => {};

const badArguments: { name: string; run: () => unknown; error: RegExp }[] = [
  { name: 'port above 65535', run: () => openConnection('127.0.0.1', 70000), error: /openConnection\(\): port must be between 1 and 65535, got 70000/ },
  { name: 'port 0 to connect', run: () => openConnection('127.0.0.1', 0), error: /port must be between 1 and 65535, got 0/ },
  { name: 'port not an integer', run: () => openConnection('127.0.0.1', 80.5), error: /openConnection\(\): port must be an integer, got number 80.5/ },
  { name: 'port as a string', run: () => openConnection('127.0.0.1', '80' as unknown as number), error: /port must be an integer, got string "80"/ },
  { name: 'port NaN', run: () => openConnection('127.0.0.1', NaN), error: /openConnection\(\): port must be an integer, got number NaN/ },
  { name: 'port Infinity', run: () => openConnection('127.0.0.1', Infinity), error: /port must be an integer, got number Infinity/ },
  { name: 'port negative', run: () => openConnection('127.0.0.1', -80), error: /port must be between 1 and 65535, got -80/ },
  { name: 'host with a space', run: () => openConnection('a b', 80), error: /host must be a host name or an address, got "a b"/ },
  { name: 'limit 0', run: () => openConnection('127.0.0.1', 80, { limit: 0 }), error: /limit must be >= 1, got 0/ },
  { name: 'limit not an integer', run: () => openConnection('127.0.0.1', 80, { limit: 1.5 }), error: /limit must be an integer, got 1.5/ },
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
  { name: 'server port not an integer', run: () => startServer(noop, '127.0.0.1', 8080.5), error: /startServer\(\): port must be an integer, got number 8080.5/ },
  { name: 'unix server empty path', run: () => startUnixServer(noop, ''), error: /startUnixServer\(\): path must not be empty/ },
  { name: 'unix connection empty path', run: () => openUnixConnection(''), error: /openUnixConnection\(\): path must not be empty/ },
  { name: 'readexactly(-1)', run: () => new StreamReader().readexactly(-1), error: /StreamReader\.readexactly\(\): n must be >= 0, got -1/ },
  { name: 'readexactly(1.5)', run: () => new StreamReader().readexactly(1.5), error: /n must be an integer, got 1.5/ },
  { name: 'readuntil of no separator', run: () => new StreamReader().readuntil([]), error: /the list of separators is empty/ },
  { name: 'readuntil of an empty separator', run: () => new StreamReader().readuntil(''), error: /at least one byte/ },
  { name: 'read(1.5)', run: () => new StreamReader().read(1.5), error: /StreamReader\.read\(\): n must be an integer, got 1.5/ },
];

for (const c of badArguments) {
  test(`bad argument: ${c.name}`, async () => {
    // Called bare, not wrapped in an async function: a promise-returning API
    // must reject, never throw, or a caller's .catch() would miss the error.
    let p: unknown;
    assert.doesNotThrow(() => (p = c.run()));
    assert.ok(p instanceof Promise);
    await assert.rejects(p, c.error);
  });
}

test('bad argument: a StreamReader with a negative limit throws from its constructor', () => {
  assert.throws(() => new StreamReader({ limit: -1 }), (e: unknown) => e instanceof RangeError && /StreamReader\(\): limit must be >= 1, got -1/.test(e.message));
});

test('bad arguments against a live server: each rejects before connecting, the server sees no connection', async (t) => {
  let accepted = 0;
  const { port } = await serve(t, async (reader, writer) => {
    accepted++;
    writer.write(await reader.readline());
    writer.close();
  });
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => openConnection('127.0.0.1', port, { limit: -1 }), /limit must be >= 1, got -1/],
    [() => openConnection('127.0.0.1', port + 0.5), /port must be an integer/],
    [() => openConnection('', port), /host must not be empty/],
    [() => openConnection('127.0.0.1', port, { timeout: NaN }), /openConnection\(\): timeout must be a finite number of seconds, got NaN/],
    [() => openConnection('127.0.0.1', port, { localAddr: ['127.0.0.1', 70000] }), /localAddr: port must be between 0 and 65535, got 70000/],
  ];
  for (const [run, error] of cases) await assert.rejects(run(), error);
  const [reader, writer] = await openConnection('127.0.0.1', port);
  writer.write('good\n');
  assert.equal((await reader.readline()).toString(), 'good\n');
  await writer[Symbol.asyncDispose]();
  assert.equal(accepted, 1);
});

test('readexactly(-1) and a write after close() on a live connection: clear errors, the stream reads on', async (t) => {
  const { port } = await serve(t, async (reader, writer) => {
    writer.write('hello\nworld\n');
    await reader.read(); // until the client's close
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  await assert.rejects(reader.readexactly(-1), (e: unknown) => e instanceof RangeError && /StreamReader\.readexactly\(\): n must be >= 0, got -1/.test(e.message));
  assert.equal((await reader.readline()).toString(), 'hello\n'); // nothing was consumed
  writer.close();
  assert.throws(() => writer.write('late'), (e: unknown) => e instanceof InvalidStateError && /StreamWriter\.write\(\): the writer is closed/.test(e.message));
  assert.equal((await reader.readline()).toString(), 'world\n'); // what arrived before close() is still read
  assert.equal((await reader.readline()).length, 0);
  await writer.waitClosed();
});

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

test('a client that resets while its handler reads: the handler sees ECONNRESET, the server serves on', async (t) => {
  const reported = new Future<ExceptionContext>();
  const loop = getEventLoop();
  loop.setExceptionHandler((ctx) => reported.setResult(ctx));
  t.after(() => loop.setExceptionHandler(null));
  const seen: unknown[] = [];
  const { port } = await serve(t, async (reader, writer) => {
    writer.write('ready\n');
    try {
      writer.write(await reader.readline());
    } catch (e) {
      seen.push(e);
      throw e; // unhandled in the callback: reported, only this connection closes
    }
    writer.close();
  });
  const [r1, w1] = await openConnection('127.0.0.1', port);
  assert.equal((await r1.readline()).toString(), 'ready\n'); // the handler is now in readline()
  // Nothing in flight: Linux would otherwise deliver the unread bytes and EOF, not the reset.
  w1.transport.resetAndDestroy();
  const [r2, w2] = await openConnection('127.0.0.1', port);
  assert.equal((await r2.readline()).toString(), 'ready\n');
  w2.write('whole\n');
  assert.equal((await r2.readline()).toString(), 'whole\n');
  await w2[Symbol.asyncDispose]();
  const report = await waitFor(reported, 10); // bounded: a missing report fails rather than hangs
  assert.equal(seen.length, 1);
  assert.equal((seen[0] as { code?: string }).code, 'ECONNRESET');
  assert.match(report.message, /client_connected_cb/);
  assert.equal(report.exception, seen[0]);
});

test('drain() rejects, not hangs, when the peer resets while our reader is paused by flow control', async (t) => {
  const limit = 16 * 1024;
  let peer: Socket | undefined;
  const { port } = await serve(t, async (_reader, writer) => {
    peer = writer.transport;
    writer.write(Buffer.alloc(4 << 20, 0x63)); // more than the client will read: its reader pauses
  });
  const [reader, writer] = await openConnection('127.0.0.1', port, { limit });
  const socket = writer.transport;
  if (!socket.isPaused()) await once(socket, 'pause');
  assert.ok(reader.bufferedSize > 2 * limit);
  // Neither side reads: fill our send buffer until the socket asks for a drain.
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < 64 && !socket.writableNeedDrain; i++) writer.write(block);
  assert.equal(socket.writableNeedDrain, true);
  const drained = writer.drain();
  peer!.resetAndDestroy();
  await assert.rejects(drained, (e: Error & { code?: string }) => ['ECONNRESET', 'EPIPE'].includes(e.code ?? ''));
  await assert.rejects(reader.read(1), (e: Error & { code?: string }) => ['ECONNRESET', 'EPIPE'].includes(e.code ?? ''));
  await writer[Symbol.asyncDispose]();
});
