// Issue 10: `autoclose` on the client WebSocket, as aiohttp's ws_connect():
// with the default the connection counts as closed once the peer's CLOSE is
// read; with false it stays open to the user until they call close().
import assert from 'node:assert/strict';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { WebSocketServer } from 'ws';
import { ClientSession, WSMsgType } from '../../src/client/index.js';
import { listenWs } from '../helpers/ws-server.js';

/** A server that sends "hi" and then closes with 4000 "bye". */
async function closingServer(t: TestContext): Promise<string> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.send('hi');
    ws.close(4000, 'bye');
  });
  return listenWs(t, server, wss);
}

test('autoclose (default true): closed as soon as CLOSE is read; close() has nothing left to do', async (t) => {
  const url = await closingServer(t);
  await using session = new ClientSession();
  const ws = await session.wsConnect(url);
  assert.equal(await ws.receiveStr(), 'hi');
  const msg = await ws.receive();
  assert.deepEqual([msg.type, msg.data, msg.extra], [WSMsgType.CLOSE, 4000, 'bye']);
  assert.equal(ws.closed, true);
  assert.equal(await ws.close(), false);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
});

test('autoclose: false: after CLOSE the socket is not closed until close(), which returns true', async (t) => {
  const url = await closingServer(t);
  await using session = new ClientSession();
  const ws = await session.wsConnect(url, { autoclose: false });
  assert.equal(await ws.receiveStr(), 'hi');
  const msg = await ws.receive();
  assert.deepEqual([msg.type, msg.data, msg.extra], [WSMsgType.CLOSE, 4000, 'bye']);
  assert.equal(ws.closed, false);
  assert.equal(ws.closeCode, 4000);
  // The peer is gone: sending is refused rather than lost.
  await assert.rejects(ws.sendStr('late'), /closing or closed/);
  assert.equal(await ws.close(), true);
  assert.equal(ws.closed, true);
  assert.equal(await ws.close(), false);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
});

test('autoclose: false: the next receive() after CLOSE closes and returns CLOSED, as aiohttp', async (t) => {
  const url = await closingServer(t);
  await using session = new ClientSession();
  const ws = await session.wsConnect(url, { autoclose: false });
  const types = [];
  for (let i = 0; i < 3; i++) types.push((await ws.receive()).type);
  assert.deepEqual(types, [WSMsgType.TEXT, WSMsgType.CLOSE, WSMsgType.CLOSED]);
  assert.equal(ws.closed, true);
});

test('autoclose must be a boolean', async () => {
  await using session = new ClientSession();
  await assert.rejects(session.wsConnect('ws://127.0.0.1:1/', { autoclose: 'no' as never }), /autoclose must be a boolean/);
});
