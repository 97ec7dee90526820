// Interop with Python's aiohttp (Debian's python3-aiohttp, run by
// /usr/bin/python3): the aiots client against an aiohttp WebSocketResponse
// server, and aiohttp's ClientSession.ws_connect against the aiots server.
// The Python side prints what it saw as JSON lines, which the tests assert.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ClientSession, WSMsgType } from '../../src/client/index.js';
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
