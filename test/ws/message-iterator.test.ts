// `for await (const msg of ws)`: the iterator over receive(), through the
// client against a real `ws` server on 127.0.0.1.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { ClientSession, WSMsgType, type WSMessage } from '../../src/client/index.js';
import { CancelledError, TimeoutError, createTask, sleep } from '../../src/index.js';
import { listenWs } from '../helpers/ws-server.js';

// Echoes each message; 'close me' closes with 4000.
async function echoServer(t: TestContext): Promise<string> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws: WsSocket) => {
    ws.on('message', (data, isBinary) => {
      if (!isBinary && Buffer.from(data as Buffer).toString() === 'close me') ws.close(4000, 'asked');
      else ws.send(data, { binary: isBinary });
    });
  });
  return listenWs(t, server, wss);
}

function session(t: TestContext): ClientSession {
  const s = new ClientSession();
  t.after(() => s.close());
  return s;
}

test('break leaves the socket open: receive() and a new loop go on from the next message', async (t) => {
  const s = session(t);
  await using ws = await s.wsConnect(await echoServer(t));
  for (const m of ['a', 'b', 'c']) await ws.sendStr(m);
  for await (const msg of ws) {
    assert.equal(msg.data, 'a');
    break;
  }
  assert.equal(ws.closed, false);
  assert.equal(await ws.receiveStr(), 'b');
  const rest: WSMessage[] = [];
  await ws.sendStr('close me');
  for await (const msg of ws) rest.push(msg);
  assert.deepEqual(rest.map((m) => m.data), ['c']);
  assert.equal(ws.closeCode, 4000);
});

test('once the socket is closed a new loop ends at once, and a finished iterator stays done', async (t) => {
  const s = session(t);
  const ws = await s.wsConnect(await echoServer(t));
  await ws.sendStr('close me');
  const it = ws[Symbol.asyncIterator]();
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  let n = 0;
  for await (const _msg of ws) n++;
  assert.equal(n, 0);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
});

test('an error of receive() leaves the loop, and the iterator is done after it', async (t) => {
  const s = session(t);
  await using ws = await s.wsConnect(await echoServer(t), { receiveTimeout: 0.05 });
  const it = ws[Symbol.asyncIterator]();
  await assert.rejects(it.next(), TimeoutError);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  await assert.rejects(async () => {
    for await (const _msg of ws) assert.fail('no message was sent');
  }, TimeoutError);
});

test('cancelling the task that loops cancels its pending receive()', async (t) => {
  const s = session(t);
  await using ws = await s.wsConnect(await echoServer(t));
  const got: unknown[] = [];
  const task = createTask(async () => {
    for await (const msg of ws) got.push(msg.data);
  });
  await ws.sendStr('x');
  while (got.length === 0) await sleep(0.01);
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.deepEqual(got, ['x']);
  // The socket is still usable by whoever holds it.
  await ws.sendStr('y');
  assert.equal(await ws.receiveStr(), 'y');
});
