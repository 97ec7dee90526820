// UDP endpoints (loop.createDatagramEndpoint, DatagramTransport,
// DatagramProtocol), mirroring CPython's test_asyncio test_events
// create_datagram_endpoint tests where they apply; hostile cases included.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { CancelledError, DatagramProtocol, createTask, getEventLoop, type DatagramTransport } from '../../../src/index.js';
import { DgramRecorder, captureReports } from './helpers.js';

const loop = getEventLoop();

class EchoServer extends DatagramProtocol {
  #t!: DatagramTransport;
  override connectionMade(t: DatagramTransport): void {
    this.#t = t;
  }

  override datagramReceived(data: Buffer, addr: [string, number]): void {
    this.#t.sendto(data, addr);
  }
}

async function echoServer(t: { after(fn: () => unknown): void }, host = '127.0.0.1'): Promise<[string, number]> {
  const [transport] = await loop.createDatagramEndpoint(() => new EchoServer(), { localAddr: [host, 0] });
  t.after(() => transport.close());
  return transport.getExtraInfo('sockname')!;
}

test('echo over IPv4: an unconnected client sends with sendto(data, addr) and hears from that addr', async (t) => {
  const addr = await echoServer(t);
  const [transport, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
  t.after(() => transport.close());
  assert.equal(client.transport, transport);
  transport.sendto(Buffer.from('ping'), addr);
  const [data, from] = await client.nextDatagram();
  assert.equal(data.toString(), 'ping');
  assert.deepEqual(from, addr);
  assert.equal(transport.getExtraInfo('peername'), undefined);
  assert.deepEqual(transport.getExtraInfo('peername', 'none'), 'none');
});

test('a connected endpoint (remoteAddr): sendto(data) needs no address, peername is the remote; another address is a RangeError', async (t) => {
  const addr = await echoServer(t);
  const [transport, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: addr });
  t.after(() => transport.close());
  assert.deepEqual(transport.getExtraInfo('peername'), addr);
  const [host, port] = transport.getExtraInfo('sockname')!;
  assert.equal(host, '127.0.0.1');
  assert.ok(port > 0);
  transport.sendto('one');
  transport.sendto(Buffer.from('two'), addr);
  const got = [await client.nextDatagram(), await client.nextDatagram()].map(([d]) => d.toString());
  assert.deepEqual(got.sort(), ['one', 'two']);
  assert.throws(() => transport.sendto('x', ['127.0.0.1', addr[1] === 9 ? 10 : 9]), RangeError);
});

test('IPv6 echo over ::1', async (t) => {
  const has6 = Object.values(networkInterfaces()).flat().some((i) => i?.address === '::1');
  if (!has6) {
    t.skip('no ::1 on this machine');
    return;
  }
  const addr = await echoServer(t, '::1');
  const [transport, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: addr });
  t.after(() => transport.close());
  transport.sendto('v6');
  const [data, from] = await client.nextDatagram();
  assert.equal(data.toString(), 'v6');
  assert.deepEqual(from, ['::1', addr[1]]);
});

test('a name in remoteAddr is resolved (localhost), and sendto accepts it as given', async (t) => {
  const addr = await echoServer(t);
  const [transport, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: ['localhost', addr[1]], family: 4 });
  t.after(() => transport.close());
  transport.sendto('by name', ['localhost', addr[1]]);
  assert.equal((await client.nextDatagram())[0].toString(), 'by name');
});

test('sendto without an address on an unconnected endpoint, or with a bad one, is a TypeError; so is data that is not bytes', async (t) => {
  const [transport] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
  t.after(() => transport.close());
  assert.throws(() => transport.sendto('x'), /addr is required/);
  for (const bad of [['127.0.0.1'], ['127.0.0.1', 0], ['127.0.0.1', 70000], [1, 2], '127.0.0.1:9']) {
    assert.throws(() => transport.sendto('x', bad as never), TypeError, JSON.stringify(bad));
  }
  for (const bad of [42, null, {}, [1]]) assert.throws(() => transport.sendto(bad as never, ['127.0.0.1', 9]), TypeError);
});

test('an oversize datagram goes to errorReceived (EMSGSIZE) and the endpoint stays usable', async (t) => {
  const addr = await echoServer(t);
  const [transport, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: addr });
  t.after(() => transport.close());
  transport.sendto(Buffer.alloc(70_000));
  const e = await client.nextError();
  assert.equal((e as Error & { code: string }).code, 'EMSGSIZE');
  assert.equal(transport.isClosing(), false);
  transport.sendto('still here');
  assert.equal((await client.nextDatagram())[0].toString(), 'still here');
});

test('a connected endpoint whose peer is gone gets ECONNREFUSED in errorReceived (ICMP port unreachable)', async (t) => {
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(r));
  const [transport, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: ['127.0.0.1', port] });
  t.after(() => transport.close());
  transport.sendto('anyone?');
  transport.sendto('anyone?');
  const e = await client.nextError();
  assert.equal((e as Error & { code: string }).code, 'ECONNREFUSED');
});

test('binding a port in use rejects with EADDRINUSE', async (t) => {
  const addr = await echoServer(t);
  await assert.rejects(loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: addr }), { code: 'EADDRINUSE' });
});

test('close(): connectionLost(null), isClosing(), and later sends are dropped (warned once after 5)', async (t) => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const [transport, client] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
  transport.close();
  transport.close();
  assert.equal(transport.isClosing(), true);
  assert.equal(await client.lost.promise, null);
  for (let i = 0; i < 6; i++) transport.sendto('late', ['127.0.0.1', 9]);
  await new Promise((r) => setImmediate(r));
  assert.equal(warnings.filter((w) => (w as Error & { code?: string }).code === 'AIOTS_WRITE_AFTER_CLOSE').length, 1);
  assert.equal(transport.getWriteBufferSize(), 0);
});

test('datagramReceived that throws: "Fatal error: protocol.datagramReceived() call failed.", the endpoint closes with that error', async (t) => {
  const reports = captureReports(t);
  const boom = new Error('boom');
  class Bad extends DgramRecorder {
    override datagramReceived(): void {
      throw boom;
    }
  }
  const [transport, bad] = await loop.createDatagramEndpoint(() => new Bad(), { localAddr: ['127.0.0.1', 0] });
  const [sender] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: transport.getExtraInfo('sockname')! });
  t.after(() => sender.close());
  sender.sendto('x');
  assert.equal(await bad.lost.promise, boom);
  assert.equal(reports[0]?.message, 'Fatal error: protocol.datagramReceived() call failed.');
  assert.equal(transport.isClosing(), true);
});

test('options are checked as asyncio checks them', async () => {
  const f = (): DgramRecorder => new DgramRecorder();
  await assert.rejects(loop.createDatagramEndpoint(f), /localAddr, remoteAddr or family/);
  await assert.rejects(loop.createDatagramEndpoint(f, { localAddr: ['127.0.0.1', 0], reuseAddress: true }), /reuseAddress is not supported/);
  await assert.rejects(loop.createDatagramEndpoint(f, { local_addr: ['127.0.0.1', 0] } as never), /did you mean "localAddr"/);
  await assert.rejects(loop.createDatagramEndpoint(f, { family: 5 as never }), RangeError);
  await assert.rejects(loop.createDatagramEndpoint(f, { localAddr: '127.0.0.1:0' as never }), TypeError);
  await assert.rejects(loop.createDatagramEndpoint(f, { remoteAddr: ['127.0.0.1', 0] }), RangeError);
  await assert.rejects(loop.createDatagramEndpoint(f, { localAddr: ['127.0.0.1', 0], remoteAddr: ['::1', 9] }), /different families/);
  await assert.rejects(loop.createDatagramEndpoint(f, { localAddr: ['127.0.0.1', 0], allowBroadcast: 'yes' as never }), TypeError);
  await assert.rejects(loop.createDatagramEndpoint('f' as never, { family: 4 }), /protocolFactory/);
});

test('family alone binds an ephemeral port on any address; allowBroadcast sets SO_BROADCAST (a broadcast send is allowed)', async (t) => {
  const [transport, p] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { family: 4, allowBroadcast: true });
  t.after(() => transport.close());
  const [host, port] = transport.getExtraInfo('sockname')!;
  assert.equal(host, '0.0.0.0');
  assert.ok(port > 0);
  transport.sendto('hello all', ['255.255.255.255', 9]);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(!p.errors.some((e) => (e as Error & { code: string }).code === 'EACCES'), String(p.errors));
});

test('a cancelled createDatagramEndpoint (here while resolving a name) rejects with CancelledError', async () => {
  let started = false;
  const task = createTask(() => {
    started = true;
    return loop.createDatagramEndpoint(() => new DgramRecorder(), { remoteAddr: ['localhost', 9] });
  });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.equal(started, true, 'the lookup is under way');
  task.cancel();
  await assert.rejects(task, CancelledError);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(loop.createDatagramEndpoint(() => new DgramRecorder(), { family: 4, signal: ac.signal }), CancelledError);
});
