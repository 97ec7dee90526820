// Stream protocols and transports over TCP, TLS and Unix sockets, mirroring
// CPython's test_asyncio test_events (create_connection, create_server) and
// test_sock_lowlevel where they apply.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as netCreateServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BufferedProtocol, CancelledError, InvalidStateError, Protocol, createTask, getEventLoop, kServerFactory, sleep, type Transport,
} from '../../../src/index.js';
import { selfSignedCert } from '../../tls-certs.js';
import { Echo, Recorder, captureReports, deferred, serveProtocol } from './helpers.js';

const loop = getEventLoop();

test('echo over createServer/createConnection: made, data, then a clean connectionLost(null) on both ends', async (t) => {
  const serverSide = new Recorder();
  serverSide.dataReceived = function (this: Recorder, d: Buffer) {
    Recorder.prototype.dataReceived.call(this, d);
    this.transport.write(d);
  };
  const { port } = await serveProtocol(t, () => serverSide);
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  assert.equal(client.transport, transport);
  transport.write(Buffer.from('hello '));
  transport.write('world');
  await client.waitBytes(11);
  assert.equal(client.received.toString(), 'hello world');
  transport.close();
  assert.equal(transport.isClosing(), true);
  assert.equal(await client.lost.promise, null);
  assert.equal(await serverSide.lost.promise, null);
  assert.deepEqual(serverSide.events, ['made', 'data', 'eof', 'lost']);
  assert.deepEqual(client.events, ['made', 'data', 'lost']);
});

test('eofReceived() returning true keeps the connection half-open: the server still writes after the client\'s EOF', async (t) => {
  const serverSide = new Recorder();
  serverSide.keepOpen = true;
  const { port } = await serveProtocol(t, () => serverSide);
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  assert.equal(transport.canWriteEof(), true);
  transport.writeEof();
  await serverSide.eof.promise;
  serverSide.transport.write('after eof');
  await client.waitBytes(9);
  assert.equal(client.received.toString(), 'after eof');
  serverSide.transport.close();
  await client.eof.promise;
  assert.equal(await client.lost.promise, null);
  assert.throws(() => transport.write('x'), InvalidStateError);
});

test('eofReceived() returning nothing closes the transport (the peer sees EOF)', async (t) => {
  const serverSide = new Recorder();
  const { port } = await serveProtocol(t, () => serverSide);
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  transport.writeEof();
  assert.equal(await serverSide.lost.promise, null);
  await client.eof.promise;
  assert.equal(await client.lost.promise, null);
});

test('pauseReading() holds data back until resumeReading(); isReading() tells which', async (t) => {
  const serverSide = new Recorder();
  const { port } = await serveProtocol(t, () => serverSide);
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  await serverSide.made.promise;
  assert.equal(transport.isReading(), true);
  transport.pauseReading();
  transport.pauseReading(); // twice is fine, as asyncio >= 3.7
  assert.equal(transport.isReading(), false);
  serverSide.transport.write('held');
  await sleep(0.05);
  assert.equal(client.received.length, 0);
  transport.resumeReading();
  assert.equal(transport.isReading(), true);
  await client.waitBytes(4);
  assert.equal(client.received.toString(), 'held');
  transport.close();
  assert.equal(transport.isReading(), false);
});

test('pauseWriting() past the high-water mark, resumeWriting() once the buffer is at or under the low one', async (t) => {
  const serverSide = new Recorder();
  const { port } = await serveProtocol(t, () => serverSide);
  const resumed = deferred();
  class Writer extends Recorder {
    override resumeWriting(): void {
      super.resumeWriting();
      resumed.resolve();
    }
  }
  const [transport, client] = await loop.createConnection(() => new Writer(), '127.0.0.1', port);
  const st = await serverSide.made.promise;
  st.pauseReading();
  assert.deepEqual(transport.getWriteBufferLimits(), [16384, 65536]);
  const chunk = Buffer.alloc(256 * 1024, 1);
  let written = 0;
  while (!client.events.includes('pause') && written < 256 * 1024 * 1024) {
    transport.write(chunk);
    written += chunk.length;
  }
  assert.ok(client.events.includes('pause'), 'pauseWriting was called');
  assert.ok(transport.getWriteBufferSize() > 65536);
  st.resumeReading();
  await resumed.promise;
  assert.ok(transport.getWriteBufferSize() <= 16384, `buffer ${transport.getWriteBufferSize()} at resume`);
  assert.deepEqual(client.events.filter((e) => e === 'pause' || e === 'resume'), ['pause', 'resume']);
  await serverSide.waitBytes(written);
  assert.equal(serverSide.received.length, written);
  transport.close();
});

test('setWriteBufferLimits() as asyncio: either mark implies the other; high >= low >= 0', async (t) => {
  const { port } = await serveProtocol(t, () => new Recorder());
  const [transport] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  t.after(() => transport.abort());
  transport.setWriteBufferLimits({ high: 100 });
  assert.deepEqual(transport.getWriteBufferLimits(), [25, 100]);
  transport.setWriteBufferLimits({ low: 10 });
  assert.deepEqual(transport.getWriteBufferLimits(), [10, 40]);
  transport.setWriteBufferLimits();
  assert.deepEqual(transport.getWriteBufferLimits(), [16384, 65536]);
  transport.setWriteBufferLimits({ high: 0 });
  assert.deepEqual(transport.getWriteBufferLimits(), [0, 0]);
  const cases: [unknown, ErrorConstructor][] = [
    [{ high: 1, low: 2 }, RangeError], [{ low: -1 }, RangeError], [{ high: -4 }, RangeError],
    [{ high: '10' }, TypeError], [{ high: 1.5 }, TypeError], [{ hi: 10 }, TypeError], [5, TypeError],
  ];
  for (const [arg, E] of cases) assert.throws(() => transport.setWriteBufferLimits(arg as never), E, JSON.stringify(arg));
});

test('writelines() sends the buffers in order; write() rejects what is not bytes or text', async (t) => {
  const serverSide = new Recorder();
  const { port } = await serveProtocol(t, () => serverSide);
  const [transport] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  transport.writelines([Buffer.from('a'), 'b', new Uint8Array([99])]);
  await serverSide.waitBytes(3);
  assert.equal(serverSide.received.toString(), 'abc');
  for (const bad of [42, null, undefined, {}, [1, 2]]) assert.throws(() => transport.write(bad as never), TypeError);
  assert.throws(() => transport.writelines(42 as never), TypeError);
  transport.close();
});

test('writes after close() are dropped, with one warning after 5 (asyncio: "socket.send() raised exception.")', async (t) => {
  const { port } = await serveProtocol(t, () => new Recorder());
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  transport.close();
  for (let i = 0; i < 8; i++) transport.write('late');
  await client.lost.promise;
  await new Promise((r) => setImmediate(r));
  assert.equal(warnings.filter((w) => (w as Error & { code?: string }).code === 'AIOTS_WRITE_AFTER_CLOSE').length, 1);
});

test('getExtraInfo: peername, sockname, socket; sslcontext and peercert only over TLS; an unknown name is a TypeError', async (t) => {
  const serverSide = new Recorder();
  const { port } = await serveProtocol(t, () => serverSide);
  const [transport] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  const st = await serverSide.made.promise;
  assert.deepEqual(transport.getExtraInfo('peername'), ['127.0.0.1', port]);
  assert.deepEqual(st.getExtraInfo('sockname'), ['127.0.0.1', port]);
  assert.deepEqual(st.getExtraInfo('peername'), transport.getExtraInfo('sockname'));
  assert.equal(typeof (transport.getExtraInfo('socket') as Socket).write, 'function');
  assert.equal(transport.getExtraInfo('peercert'), undefined);
  assert.equal(transport.getExtraInfo('sslcontext', 'none'), 'none');
  assert.throws(() => transport.getExtraInfo('nope' as never), TypeError);
  transport.close();
  await serverSide.lost.promise;
  assert.deepEqual(st.getExtraInfo('sockname'), ['127.0.0.1', port], 'still known after close');
});

test('a protocol callback that throws: "Fatal error: protocol.dataReceived() call failed." to the handler, the transport closes, connectionLost gets the error', async (t) => {
  const reports = captureReports(t);
  const boom = new Error('boom');
  class Bad extends Recorder {
    override dataReceived(): void {
      throw boom;
    }
  }
  const serverSide = new Bad();
  const { server, port } = await serveProtocol(t, () => serverSide);
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  transport.write('x');
  assert.equal(await serverSide.lost.promise, boom);
  await client.lost.promise;
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.message, 'Fatal error: protocol.dataReceived() call failed.');
  assert.equal(reports[0]!.exception, boom);
  assert.equal(server.isServing(), true, 'the server goes on');
});

test('a protocol factory that throws loses only that connection, reported to the handler', async (t) => {
  const reports = captureReports(t);
  let n = 0;
  const { port } = await serveProtocol(t, () => {
    if (n++ === 0) throw new Error('no protocol');
    return new Echo();
  });
  const [, first] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  await first.lost.promise;
  assert.match(reports[0]?.message ?? '', /transport creation/);
  const [second, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  second.write('ok');
  await client.waitBytes(2);
  assert.equal(client.received.toString(), 'ok');
  second.close();
});

test('BufferedProtocol: data is copied into the buffers getBuffer() hands out', async (t) => {
  const { port } = await serveProtocol(t, () => new Echo());
  const got: number[] = [];
  const done = deferred();
  class Buffered extends BufferedProtocol {
    readonly buf = Buffer.alloc(3);
    total = 0;
    override getBuffer(sizeHint: number): Uint8Array {
      assert.ok(sizeHint > 0);
      return this.buf;
    }

    override bufferUpdated(n: number): void {
      got.push(...this.buf.subarray(0, n));
      this.total += n;
      if (this.total === 10) done.resolve();
    }
  }
  const [transport] = await loop.createConnection(() => new Buffered(), '127.0.0.1', port);
  transport.write(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  await done.promise;
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  transport.close();
});

test('createConnection: a refused port rejects with ECONNREFUSED and never calls the factory', async () => {
  const probe = netCreateServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  let made = 0;
  await assert.rejects(loop.createConnection(() => (made++, new Recorder()), '127.0.0.1', port), { code: 'ECONNREFUSED' });
  assert.equal(made, 0);
});

test('cancelling a task awaiting createConnection destroys the socket', async (t) => {
  // A server that accepts and never answers the TLS handshake.
  const accepted = deferred<Socket>();
  const silent = netCreateServer((s) => accepted.resolve(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => silent.close());
  const { port } = silent.address() as AddressInfo;
  const task = createTask(() => loop.createConnection(() => new Recorder(), '127.0.0.1', port, { ssl: true }));
  const peer = await accepted.promise;
  const closed = new Promise((r) => peer.on('close', r));
  peer.on('error', () => {});
  peer.resume();
  task.cancel();
  await assert.rejects(task, CancelledError);
  await closed;
});

test('the peer resetting mid-write: connectionLost gets the error (ECONNRESET or EPIPE), later writes are dropped', async (t) => {
  const accepted = deferred<Socket>();
  const raw = netCreateServer((s) => accepted.resolve(s));
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  t.after(() => raw.close());
  const { port } = raw.address() as AddressInfo;
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  const peer = await accepted.promise;
  peer.pause();
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < 64; i++) transport.write(chunk);
  peer.resetAndDestroy();
  const exc = await client.lost.promise;
  assert.ok(exc instanceof Error);
  assert.ok(['ECONNRESET', 'EPIPE'].includes((exc as Error & { code: string }).code), String(exc));
  assert.equal(transport.isClosing(), true);
  transport.write('dropped'); // no throw
});

test('createServer: a used port rejects with EADDRINUSE; bad arguments are TypeErrors naming them', async (t) => {
  const { port } = await serveProtocol(t, () => new Echo());
  await assert.rejects(loop.createServer(() => new Echo(), '127.0.0.1', port), { code: 'EADDRINUSE' });
  await assert.rejects(loop.createServer(42 as never, '127.0.0.1', 0), /protocol factory/);
  await assert.rejects(loop.createServer(() => new Echo(), '127.0.0.1', 0, { reuse_port: true } as never), /reusePort/);
  await assert.rejects(loop.createServer(() => new Echo(), '127.0.0.1', -1), RangeError);
  await assert.rejects(loop.createConnection(() => new Echo(), '127.0.0.1', 0), RangeError);
  await assert.rejects(loop.createConnection('nope' as never, '127.0.0.1', 80), /protocolFactory/);
  await assert.rejects(loop.createConnection(() => new Echo(), '127.0.0.1', 80, { serverHostname: 'x' }), /only meaningful with ssl/);
  await assert.rejects(loop.createConnection(() => new Echo(), '127.0.0.1', 80, { local_addr: ['127.0.0.1', 0] } as never), /localAddr/);
});

test('the seed\'s server factory still works through the same createServer', async () => {
  const got = await loop.createServer({ [kServerFactory]: async (host, port) => `${host}:${port}` }, '127.0.0.1', 0);
  assert.equal(got, '127.0.0.1:0');
});

test('await using a Server closes it', async () => {
  let port = 0;
  {
    await using server = await loop.createServer(() => new Echo(), '127.0.0.1', 0);
    port = (server.address() as AddressInfo).port;
    assert.equal(server.isServing(), true);
  }
  await assert.rejects(new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  }), { code: 'ECONNREFUSED' });
});

test('TLS: createServer({ ssl }) and createConnection({ ssl }) echo; peercert is there; writeEof is not', async (t) => {
  const { key, cert } = selfSignedCert();
  const { port } = await serveProtocol(t, () => new Echo(), { ssl: { key, cert } });
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port, { ssl: { ca: cert }, serverHostname: 'localhost' });
  transport.write('secret');
  await client.waitBytes(6);
  assert.equal(client.received.toString(), 'secret');
  assert.equal(transport.canWriteEof(), false);
  assert.throws(() => transport.writeEof(), InvalidStateError);
  assert.equal((transport.getExtraInfo('peercert') as { subject: { CN: string } }).subject.CN, 'localhost');
  assert.deepEqual(transport.getExtraInfo('sslcontext'), { ca: cert });
  transport.close();
  assert.equal(await client.lost.promise, null);
});

test('Unix sockets: createUnixServer and createUnixConnection', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-unix-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 's.sock');
  const server = await loop.createUnixServer(() => new Echo(), path);
  t.after(async () => {
    server.close();
    await server.waitClosed();
  });
  const [transport, client] = await loop.createUnixConnection(() => new Recorder(), path);
  assert.equal(transport.getExtraInfo('peername'), path);
  transport.write('over unix');
  await client.waitBytes(9);
  assert.equal(client.received.toString(), 'over unix');
  transport.close();
  await client.lost.promise;
  await assert.rejects(loop.createUnixServer(() => new Echo(), ''), RangeError);
  await assert.rejects(loop.createUnixConnection(() => new Echo(), path, { ssl: true }), /serverHostname/);
});

test('a connectionMade that throws is reported and the connection aborted', async (t) => {
  const reports = captureReports(t);
  const serverSide = new Recorder();
  const { port } = await serveProtocol(t, () => serverSide);
  class Bad extends Protocol {
    override connectionMade(_t: Transport): void {
      throw new Error('cannot start');
    }
  }
  const [transport] = await loop.createConnection(() => new Bad(), '127.0.0.1', port);
  assert.equal(transport.isClosing(), true);
  await serverSide.lost.promise;
  assert.equal(reports[0]?.message, 'Fatal error: protocol.connectionMade() call failed.');
});

test('BufferedProtocol whose getBuffer() returns an empty buffer: "Fatal error: protocol.getBuffer() call failed.", connectionLost gets a TypeError', async (t) => {
  const reports = captureReports(t);
  const { port } = await serveProtocol(t, () => new Echo());
  const lost = deferred<Error | null>();
  class Empty extends BufferedProtocol {
    override getBuffer(): Uint8Array {
      return Buffer.alloc(0);
    }

    override connectionLost(exc: Error | null): void {
      lost.resolve(exc);
    }
  }
  const [transport] = await loop.createConnection(() => new Empty(), '127.0.0.1', port);
  transport.write('x');
  assert.ok((await lost.promise) instanceof TypeError);
  assert.equal(reports[0]?.message, 'Fatal error: protocol.getBuffer() call failed.');
});

test('createConnection with localAddr binds there; a host name (localhost) is resolved', async (t) => {
  const { port } = await serveProtocol(t, () => new Echo());
  const probe = netCreateServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port: localPort } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  const [transport, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port, { localAddr: ['127.0.0.1', localPort] });
  assert.deepEqual(transport.getExtraInfo('sockname'), ['127.0.0.1', localPort]);
  transport.close();
  await client.lost.promise;
  const [byName, c2] = await loop.createConnection(() => new Recorder(), 'localhost', port);
  byName.write('hi');
  await c2.waitBytes(2);
  byName.close();
});

test('createServer with reusePort: two servers share a port (Node >= 22.12), else a RangeError naming the version', async (t) => {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const supported = major > 22 || (major === 22 && minor >= 12);
  if (!supported) {
    await assert.rejects(loop.createServer(() => new Echo(), '127.0.0.1', 0, { reusePort: true }), /Node >= 22\.12/);
    return;
  }
  const { port } = await serveProtocol(t, () => new Echo(), { reusePort: true });
  const second = await loop.createServer(() => new Echo(), '127.0.0.1', port, { reusePort: true });
  t.after(async () => {
    second.close();
    await second.waitClosed();
  });
  assert.equal((second.address() as AddressInfo).port, port);
});

test('Server.closeClients() and abortClients() reach protocol connections', async (t) => {
  const serverSide = new Recorder();
  const { server, port } = await serveProtocol(t, () => serverSide);
  const [, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
  await serverSide.made.promise;
  assert.equal(server.connections.size, 1);
  server.close();
  server.abortClients();
  await client.lost.promise;
  await server.waitClosed();
  assert.equal(server.connections.size, 0);
});
