// openConnection against real servers on 127.0.0.1: reading, half-close,
// extra info, Node's error codes, and cancelling a connect in progress.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import {
  CancelledError, Future, TimeoutError, createTask, openConnection, timeout,
} from '../../../src/index.js';
import { serve } from './helpers.js';

test('lines and exact reads travel both ways', async (t) => {
  const { port } = await serve(t, async (reader, writer) => {
    for await (const line of reader) writer.write(line.toString().toUpperCase());
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  writer.writelines(['hello\n', Buffer.from('wor'), 'ld\n']);
  await writer.drain();
  assert.equal((await reader.readline()).toString(), 'HELLO\n');
  assert.equal((await reader.readexactly(3)).toString(), 'WOR');
  assert.equal((await reader.readuntil(Buffer.from('\n'))).toString(), 'LD\n');
  writer.writeEof();
  assert.equal((await reader.read()).length, 0);
  assert.equal(reader.atEof(), true);
  writer.close();
  await writer.waitClosed();
});

test('half-close: the peer reads to EOF, then answers', async (t) => {
  const { port } = await serve(t, async (reader, writer) => {
    const all = await reader.read();
    writer.write(`got ${all.length} bytes\n`);
    await writer.drain();
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  assert.equal(writer.canWriteEof(), true);
  writer.write(Buffer.alloc(100_000, 1));
  writer.writeEof();
  assert.equal((await reader.readline()).toString(), 'got 100000 bytes\n');
  assert.equal((await reader.readline()).length, 0);
  await writer[Symbol.asyncDispose]();
});

test('getExtraInfo names both ends and the socket', async (t) => {
  const { port } = await serve(t, async (_r, w) => {
    w.close();
  });
  const [, writer] = await openConnection('127.0.0.1', port);
  t.after(() => writer.close());
  assert.deepEqual(writer.getExtraInfo('peername'), ['127.0.0.1', port]);
  const sock = writer.getExtraInfo('sockname') as [string, number];
  assert.equal(sock[0], '127.0.0.1');
  assert.equal(writer.getExtraInfo('socket'), writer.transport);
  assert.equal(writer.getExtraInfo('peercert'), undefined);
  assert.equal(writer.getExtraInfo('sslcontext', 'none'), 'none');
  assert.throws(() => writer.getExtraInfo('nope' as 'socket'), /unknown name/);
});

test('localAddr binds the local end', async (t) => {
  const peer = new Future<unknown>();
  const { port } = await serve(t, async (_r, w) => {
    peer.setResult(w.getExtraInfo('peername'));
    w.close();
  });
  const [, writer] = await openConnection('127.0.0.1', port, { localAddr: ['127.0.0.1', 0] });
  t.after(() => writer.close());
  const [address, localPort] = writer.getExtraInfo('sockname') as [string, number];
  assert.equal(address, '127.0.0.1');
  assert.ok(localPort > 0);
  assert.deepEqual(await peer, [address, localPort]);
});

test('a refused connection keeps Node\'s code', async () => {
  // Find a port nobody listens on: bind, note it, close.
  const probe = createServer();
  await once(probe.listen(0, '127.0.0.1'), 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  await assert.rejects(openConnection('127.0.0.1', port), { code: 'ECONNREFUSED' });
});

/** A TCP server that accepts and never answers: a TLS handshake against it never ends. */
async function silentServer(t: { after(fn: () => unknown): void }): Promise<{ port: number; accepted: Promise<unknown>; closed: Promise<unknown> }> {
  const sockets: Socket[] = [];
  let closedResolve!: (v: unknown) => void;
  let acceptedResolve!: (v: unknown) => void;
  const closed = new Promise((r) => (closedResolve = r));
  const accepted = new Promise((r) => (acceptedResolve = r));
  const srv = createServer((s) => {
    sockets.push(s);
    acceptedResolve(s);
    s.resume(); // read (and drop) the ClientHello, so that the client's close is seen
    s.on('close', closedResolve);
  });
  await once(srv.listen(0, '127.0.0.1'), 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    srv.close();
  });
  return { port: (srv.address() as AddressInfo).port, accepted, closed };
}

test('cancelling the task destroys the socket being connected', async (t) => {
  const { port, accepted, closed } = await silentServer(t);
  let reached = false;
  const task = createTask(async () => {
    try {
      await openConnection('127.0.0.1', port, { ssl: true });
    } finally {
      reached = true;
    }
  });
  await accepted; // the TCP connection is up: the handshake is now pending
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.equal(reached, true);
  await closed; // the server saw the socket close: it was destroyed
});

test('timeout (seconds) and signal abort a pending connect', async (t) => {
  const { port } = await silentServer(t);
  await assert.rejects(openConnection('127.0.0.1', port, { ssl: true, timeout: 0.05 }), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.match(e.message, /openConnection\(\): connecting to 127\.0\.0\.1:\d+ timed out after 0\.05 s/);
    return true;
  });
  const ac = new AbortController();
  const p = openConnection('127.0.0.1', port, { ssl: true, signal: ac.signal });
  ac.abort();
  await assert.rejects(p, CancelledError);
  await assert.rejects(timeout(0.05, () => openConnection('127.0.0.1', port, { ssl: true })), TimeoutError);
});
