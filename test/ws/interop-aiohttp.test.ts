// Interop with Python's aiohttp (Debian's python3-aiohttp, run by
// /usr/bin/python3): the aiots client against an aiohttp WebSocketResponse
// server, and aiohttp's ClientSession.ws_connect against the aiots server.
// The Python side prints what it saw as JSON lines, which the tests assert.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ClientSession, WSMsgType } from '../../src/client/index.js';
import { sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { wsMsgTypeName } from '../../src/ws/index.js';
import { clientFor } from '../web/helpers.js';
import { PyPeer, pythonMissing } from './python-peer.js';

const missing = pythonMissing('aiohttp');

async function aiohttpServer(t: TestContext): Promise<{ peer: PyPeer; url: string }> {
  const peer = new PyPeer(t, 'aiohttp_ws_server.py');
  const { port } = await peer.next<{ port: number }>();
  return { peer, url: `ws://127.0.0.1:${port}` };
}

function session(t: TestContext): ClientSession {
  const s = new ClientSession();
  t.after(() => s.close());
  return s;
}

test('aiots client → aiohttp server: text, binary and JSON both ways; the client closes with 1000', { skip: missing ?? false }, async (t) => {
  const { peer, url } = await aiohttpServer(t);
  const ws = await session(t).wsConnect(`${url}/ws`);
  assert.deepEqual(await peer.next(), { event: 'open', path: '/ws', protocol: null });
  await ws.sendStr('héllo, aiohttp');
  assert.equal(await ws.receiveStr(), 'héllo, aiohttp');
  await ws.sendBytes(Buffer.from([0, 1, 254, 255]));
  assert.deepEqual([...await ws.receiveBytes()], [0, 1, 254, 255]);
  await ws.sendJson({ a: [1, 'two', null] });
  assert.deepEqual(JSON.parse(await ws.receiveStr()), { a: [1, 'two', null] });
  await ws.sendStr('json');
  assert.deepEqual(await ws.receiveJson(), { from: 'aiohttp', n: [1, 2.5, null, true] });
  // A message large enough that both sides compress it (permessage-deflate is on by default on both).
  const long = 'abc'.repeat(100_000);
  await ws.sendStr(long);
  assert.equal(await ws.receiveStr(), long);
  assert.equal(await ws.close(), true);
  assert.equal(ws.closeCode, 1000);
  assert.deepEqual((await peer.until('closed')).map((l) => l.event === 'text' ? `text:${String(l.data).slice(0, 12)}` : l.event), [
    'text:héllo, aioht', 'binary', 'text:{"a":[1,"two', 'text:json', 'text:abcabcabcabc', 'close', 'closed',
  ]);
});

test('aiots client → aiohttp server: the client closes with 4000 and a reason; aiohttp sees both', { skip: missing ?? false }, async (t) => {
  const { peer, url } = await aiohttpServer(t);
  const ws = await session(t).wsConnect(`${url}/ws`);
  await peer.next();
  assert.equal(await ws.close({ code: 4000, message: 'done here' }), true);
  assert.equal(ws.closeCode, 4000);
  assert.deepEqual(await peer.next(), { event: 'close', code: 4000, reason: 'done here' });
  assert.deepEqual(await peer.next(), { event: 'closed', path: '/ws', code: 4000 });
});

test('aiots client → aiohttp server: the server closes with 4001 and a reason', { skip: missing ?? false }, async (t) => {
  const { peer, url } = await aiohttpServer(t);
  const ws = await session(t).wsConnect(`${url}/ws`);
  await ws.sendStr('close-me');
  const msg = await ws.receive();
  assert.deepEqual(msg, { type: WSMsgType.CLOSE, data: 4001, extra: 'bye from aiohttp' });
  assert.equal(ws.closeCode, 4001);
  assert.equal(ws.closed, true);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  const lines = await peer.until('closed');
  assert.deepEqual(lines.at(-1), { event: 'closed', path: '/ws', code: 4001 });
});

test('aiots client → aiohttp server: pings both ways, with and without autoping', { skip: missing ?? false }, async (t) => {
  const { peer, url } = await aiohttpServer(t);
  const s = session(t);
  // autoping off on our side: aiohttp's automatic pong and its ping show up as messages.
  const manual = await s.wsConnect(`${url}/ws`, { autoping: false });
  await peer.next();
  await manual.ping('from aiots');
  assert.deepEqual(await manual.receive(), { type: WSMsgType.PONG, data: Buffer.from('from aiots'), extra: null });
  await manual.sendStr('ping-me');
  assert.deepEqual(await manual.receive(), { type: WSMsgType.PING, data: Buffer.from('srv'), extra: null });
  await manual.pong('srv');
  await manual.close();
  await peer.until('closed');
  // autoping on (the default) against aiohttp's autoping off: our automatic
  // pong reaches its handler, and its PING (answered by hand) comes back as a PONG.
  const auto = await s.wsConnect(`${url}/manual`);
  await peer.next();
  await auto.sendStr('ping-me');
  assert.equal(await auto.receiveStr(), 'pong:srv');
  await auto.ping('p2');
  await auto.sendStr('after ping');
  // The pong is not a message with autoping on: the next one is the echo.
  assert.equal(await auto.receiveStr(), 'after ping');
  await auto.close();
  const lines = await peer.until('closed');
  assert.deepEqual(lines.filter((l) => l.event === 'ping' || l.event === 'pong'), [
    { event: 'pong', data: 'srv' },
    { event: 'ping', data: 'p2' },
  ]);
});

test('aiots client → aiohttp server: subprotocol negotiation', { skip: missing ?? false }, async (t) => {
  const { peer, url } = await aiohttpServer(t);
  const s = session(t);
  // aiohttp takes the first of the client's offers that it knows.
  const ws = await s.wsConnect(`${url}/ws`, { protocols: ['chat.v3', 'chat.v2', 'chat.v1'] });
  assert.equal(ws.protocol, 'chat.v2');
  assert.deepEqual(await peer.next(), { event: 'open', path: '/ws', protocol: 'chat.v2' });
  await ws.close();
  await peer.until('closed');
  const none = await s.wsConnect(`${url}/ws`);
  assert.equal(none.protocol, '');
  await none.close();
});

test('aiots client → aiohttp server: a message over maxMsgSize → ERROR, and aiohttp sees close 1009', { skip: missing ?? false }, async (t) => {
  const { peer, url } = await aiohttpServer(t);
  const ws = await session(t).wsConnect(`${url}/ws`, { maxMsgSize: 1024 });
  await peer.next();
  await ws.sendStr('big:1024');
  assert.equal((await ws.receiveBytes()).length, 1024);
  await ws.sendStr('big:1025');
  const msg = await ws.receive();
  assert.equal(msg.type, WSMsgType.ERROR);
  assert.match(String(msg.data), /Max payload size exceeded/);
  const lines = await peer.until('closed');
  assert.deepEqual(lines.find((l) => l.event === 'close'), { event: 'close', code: 1009, reason: '' });
  assert.equal((await ws.receive()).type, WSMsgType.CLOSE);
  assert.equal(ws.closed, true);
  assert.equal(ws.closeCode, 1009);
});

// ---- aiohttp's client against the aiots server ----

type Seen = Record<string, unknown>;

/** An aiots app whose /ws echoes (commands as the Python server's) and records what it saw; /manual has autoping off. */
function aiotsServer(seen: Seen[], options: web.WebSocketResponseOptions = {}): web.Application {
  const handler = (autoping: boolean) => async (request: web.Request): Promise<web.WebSocketResponse> => {
    const ws = new web.WebSocketResponse({ protocols: ['chat.v1', 'chat.v2'], autoping, ...options });
    await ws.prepare(request);
    seen.push({ event: 'open', path: request.path, protocol: ws.wsProtocol });
    for (;;) {
      const msg = await ws.receive();
      if (msg.type === WSMsgType.TEXT) {
        seen.push({ event: 'text', data: msg.data });
        if (msg.data === 'close-me') await ws.close({ code: 4001, message: 'bye from aiots' });
        else if (msg.data === 'ping-me') await ws.ping('srv');
        else if (msg.data === 'json') await ws.sendJson({ from: 'aiots', n: [1, 2.5, null, true] });
        else if (msg.data.startsWith('big:')) await ws.sendBytes(Buffer.alloc(Number(msg.data.slice(4)), 0x78));
        else await ws.sendStr(msg.data);
      } else if (msg.type === WSMsgType.BINARY) {
        seen.push({ event: 'binary', hex: msg.data.toString('hex') });
        await ws.sendBytes(msg.data);
      } else if (msg.type === WSMsgType.PING) {
        seen.push({ event: 'ping', data: msg.data.toString() });
        await ws.pong(msg.data);
      } else if (msg.type === WSMsgType.PONG) {
        seen.push({ event: 'pong', data: msg.data.toString() });
        await ws.sendStr(`pong:${msg.data.toString()}`);
      } else if (msg.type === WSMsgType.CLOSE) {
        seen.push({ event: 'close', code: msg.data, reason: msg.extra });
      } else {
        seen.push({ event: wsMsgTypeName(msg.type).toLowerCase() });
        if (msg.type !== WSMsgType.ERROR) break;
      }
      if (ws.closed) break;
    }
    seen.push({ event: 'closed', path: request.path, code: ws.closeCode });
    return ws;
  };
  const app = new web.Application();
  app.router.addGet('/ws', handler(true));
  app.router.addGet('/manual', handler(false));
  return app;
}

/** Run one scenario of the Python client against an aiots server; its lines until 'done'. */
async function aiohttpClient(t: TestContext, scenario: string, options?: web.WebSocketResponseOptions): Promise<{ lines: Seen[]; seen: Seen[] }> {
  const seen: Seen[] = [];
  const client = await clientFor(t, aiotsServer(seen, options));
  const peer = new PyPeer(t, 'aiohttp_ws_client.py', [client.makeUrl('/ws').replace(/^http/, 'ws'), scenario]);
  const lines = await peer.until('done');
  assert.equal(lines.find((l) => l.event === 'error'), undefined, peer.stderr);
  // The server's side finishes on its own once the Python client is gone.
  for (let i = 0; i < 200 && seen.filter((s) => s.event === 'closed').length < seen.filter((s) => s.event === 'open').length; i++) await sleep(0.05);
  return { lines, seen };
}

const events = (seen: Seen[]): unknown[] => seen.map((s) => (s.event === 'text' ? `text:${String(s.data).slice(0, 12)}` : s.event));

test('aiohttp client → aiots server: text, binary and JSON both ways; the client closes with 1000', { skip: missing ?? false }, async (t) => {
  const { lines, seen } = await aiohttpClient(t, 'basic');
  assert.deepEqual(lines, [
    { event: 'message', type: 'TEXT', data: 'héllo from aiohttp', extra: '' },
    { event: 'message', type: 'BINARY', data: '0001feff', extra: '' },
    { event: 'json', data: { a: [1, 'two', null] } },
    { event: 'json', data: { from: 'aiots', n: [1, 2.5, null, true] } },
    { event: 'long', same: true },
    { event: 'close', result: true, code: 1000 },
    { event: 'done' },
  ]);
  assert.deepEqual(events(seen), ['open', 'text:héllo from a', 'binary', 'text:{"a": [1, "t', 'text:json', 'text:abcabcabcabc', 'close', 'closed']);
  assert.deepEqual(seen.at(-2), { event: 'close', code: 1000, reason: '' });
  assert.deepEqual(seen.at(-1), { event: 'closed', path: '/ws', code: 1000 });
});

test('aiohttp client → aiots server: the client closes with 4000 and a reason; the handler sees both', { skip: missing ?? false }, async (t) => {
  const { lines, seen } = await aiohttpClient(t, 'client-close');
  assert.deepEqual(lines[0], { event: 'close', result: true, code: 4000 });
  assert.deepEqual(seen.slice(1), [{ event: 'close', code: 4000, reason: 'done here' }, { event: 'closed', path: '/ws', code: 4000 }]);
});

test('aiohttp client → aiots server: the server closes with 4001 and a reason', { skip: missing ?? false }, async (t) => {
  const { lines, seen } = await aiohttpClient(t, 'server-close');
  assert.deepEqual(lines.slice(0, 3), [
    { event: 'message', type: 'CLOSE', data: 4001, extra: 'bye from aiots' },
    { event: 'closed', closed: true, code: 4001 },
    { event: 'message', type: 'CLOSED', data: null, extra: null },
  ]);
  assert.deepEqual(seen.at(-1), { event: 'closed', path: '/ws', code: 4001 });
});

test('aiohttp client → aiots server: pings both ways, with and without autoping', { skip: missing ?? false }, async (t) => {
  const { lines, seen } = await aiohttpClient(t, 'ping');
  assert.deepEqual(lines.slice(0, 4), [
    // aiots answered aiohttp's ping by itself (autoping on /ws)...
    { event: 'message', type: 'PONG', data: Buffer.from('from aiohttp').toString('hex'), extra: '' },
    // ...and its ping reached aiohttp's handler (autoping off there).
    { event: 'message', type: 'PING', data: Buffer.from('srv').toString('hex'), extra: '' },
    // /manual: aiohttp's automatic pong reached the aiots handler...
    { event: 'message', type: 'TEXT', data: 'pong:srv', extra: '' },
    { event: 'message', type: 'TEXT', data: 'after ping', extra: '' },
  ]);
  // ...as did the pong aiohttp sent by hand, and its ping (answered by hand on /manual).
  assert.deepEqual(seen.filter((s) => s.event === 'ping' || s.event === 'pong'), [{ event: 'pong', data: 'srv' }, { event: 'ping', data: 'p2' }]);
});

test('aiohttp client → aiots server: subprotocol negotiation', { skip: missing ?? false }, async (t) => {
  const { lines, seen } = await aiohttpClient(t, 'protocol');
  assert.deepEqual(lines.slice(0, 2), [{ event: 'protocol', protocol: 'chat.v2' }, { event: 'protocol', protocol: null }]);
  assert.deepEqual(seen.filter((s) => s.event === 'open').map((s) => s.protocol), ['chat.v2', null]);
});

test('aiohttp client → aiots server: a message over aiohttp\'s max_msg_size → 1009 from aiohttp', { skip: missing ?? false }, async (t) => {
  const { lines, seen } = await aiohttpClient(t, 'too-big');
  assert.equal(lines[0]?.type, 'BINARY');
  assert.equal(lines[1]?.type, 'ERROR');
  // aiohttp 3.8's own close_code after it failed the connection (1006 against an aiohttp server too).
  assert.deepEqual(lines[2], { event: 'closed', closed: true, code: 1006 });
  assert.deepEqual(seen.find((s) => s.event === 'close'), { event: 'close', code: 1009, reason: '' });
});

test('aiohttp client → aiots server: a message over the server\'s maxMsgSize → 1009 from aiots', { skip: missing ?? false }, async (t) => {
  const { lines, seen } = await aiohttpClient(t, 'send-big', { maxMsgSize: 1024 });
  assert.deepEqual(lines.slice(0, 2), [
    { event: 'message', type: 'CLOSE', data: 1009, extra: '' },
    { event: 'closed', closed: true, code: 1009 },
  ]);
  assert.deepEqual(seen.at(-1), { event: 'closed', path: '/ws', code: 1009 });
});
