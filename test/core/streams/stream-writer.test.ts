// StreamWriter: drain with a peer that does not read, a peer that resets,
// writes after close, waitClosed and async disposal.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { CancelledError, Future, InvalidStateError, openConnection } from '../../../src/index.js';
import { serve } from './helpers.js';

/** Write 1 MiB blocks until the socket asks for a drain (the peer does not read). */
function fillUntilBlocked(w: { write(d: Uint8Array): void; transport: Socket }): void {
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < 64 && !w.transport.writableNeedDrain; i++) w.write(block);
  assert.equal(w.transport.writableNeedDrain, true);
}

test('drain() returns at once while the buffer is low, and waits for a slow reader', async (t) => {
  const { port } = await serve(t, async (reader, writer) => {
    await reader.readexactly(1); // wait for the go signal, then read everything
    while ((await reader.read(1 << 16)).length > 0);
    writer.close();
  });
  const [, writer] = await openConnection('127.0.0.1', port);
  writer.write('x');
  await writer.drain();
  fillUntilBlocked(writer);
  await writer.drain(); // the server reads it all: drain must come back
  assert.equal(writer.transport.writableNeedDrain, false);
  writer.close();
  await writer.waitClosed();
});

test('drain() rejects with ECONNRESET when the peer resets, and never hangs', async (t) => {
  let peer!: Socket;
  const { port } = await serve(t, async (_reader, writer) => {
    peer = writer.transport;
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  fillUntilBlocked(writer);
  const drained = writer.drain();
  while (peer === undefined) await new Promise((r) => setImmediate(r));
  peer.resetAndDestroy();
  await assert.rejects(drained, { code: 'ECONNRESET' });
  await assert.rejects(writer.drain(), { code: 'ECONNRESET' });
  await assert.rejects(reader.read(), { code: 'ECONNRESET' });
  await assert.rejects(writer.waitClosed(), { code: 'ECONNRESET' });
  // Writes after the loss are dropped, as asyncio does; drain reports it.
  writer.write('late');
  await assert.rejects(writer.drain(), { code: 'ECONNRESET' });
});

test('drain() is cancellable by a signal', async (t) => {
  const { port } = await serve(t, async () => {});
  const [, writer] = await openConnection('127.0.0.1', port);
  t.after(() => writer.transport.destroy());
  fillUntilBlocked(writer);
  const ac = new AbortController();
  const p = writer.drain({ signal: ac.signal });
  ac.abort();
  await assert.rejects(p, CancelledError);
});

test('write() after close() or writeEof() throws InvalidStateError', async (t) => {
  const { port } = await serve(t, async (reader, writer) => {
    await reader.read();
    writer.close();
  });
  const [, writer] = await openConnection('127.0.0.1', port);
  writer.writeEof();
  assert.throws(() => writer.write('x'), (e: unknown) => e instanceof InvalidStateError && /after writeEof/.test(e.message));
  writer.close();
  assert.equal(writer.isClosing(), true);
  assert.throws(() => writer.write('x'), (e: unknown) => e instanceof InvalidStateError && /StreamWriter\.write\(\): the writer is closed/.test(e.message));
  assert.throws(() => writer.writelines(['x']), InvalidStateError);
  assert.throws(() => writer.write(42 as unknown as string), /data must be a Buffer, Uint8Array or string, got number 42/);
  writer.close(); // twice is fine
  await writer.waitClosed();
  await assert.rejects(writer.drain(), { code: 'ECONNRESET', message: 'Connection lost' });
});

test('close() flushes what was written before closing', async (t) => {
  const got = new Future<number>();
  const { port } = await serve(t, async (reader, writer) => {
    got.setResult((await reader.read()).length);
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  writer.write(Buffer.alloc(3 << 20, 7));
  writer.close();
  await writer.waitClosed();
  assert.equal(await got, 3 << 20);
  assert.equal(reader.atEof(), true);
});

test('await using closes the writer', async (t) => {
  const { port } = await serve(t, async (reader, writer) => {
    await reader.read();
    writer.close();
  });
  let sock: Socket;
  {
    const [, writer] = await openConnection('127.0.0.1', port);
    sock = writer.transport;
    await writer[Symbol.asyncDispose]();
  }
  assert.equal(sock.destroyed, true);
  assert.equal(sock.closed, true);
});

test('a drain waiting when the connection closes cleanly resolves; a later drain rejects (asyncio)', async (t) => {
  const { port } = await serve(t, async () => {}); // never reads: our buffer stays full
  const [, writer] = await openConnection('127.0.0.1', port);
  fillUntilBlocked(writer);
  const drained = writer.drain();
  writer.transport.destroy(); // asyncio's transport.abort(): connection_lost(None)
  await drained;
  await assert.rejects(writer.drain(), { code: 'ECONNRESET', message: 'Connection lost' });
  await writer.waitClosed(); // closed without an error: nothing to report
});

test('getExtraInfo: peername and sockname are still known after the connection closed', async (t) => {
  const serverSaw = new Future<unknown>();
  const { port } = await serve(t, async (_reader, writer) => {
    serverSaw.setResult(writer.getExtraInfo('peername'));
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  await reader.read();
  writer.close();
  await writer.waitClosed();
  // Asked for the first time after the close (Node only keeps what was asked while open).
  assert.deepEqual(writer.getExtraInfo('peername'), ['127.0.0.1', port]);
  assert.deepEqual(writer.getExtraInfo('sockname'), await serverSaw); // each end names the other
  const name = writer.getExtraInfo('peername') as [string, number];
  name[1] = 0;
  assert.deepEqual(writer.getExtraInfo('peername'), ['127.0.0.1', port]); // a copy each time
});
