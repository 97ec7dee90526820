// The WebSocket message layer, through the client (session.wsConnect) against
// a real `ws` server on 127.0.0.1.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { ClientSession, ServerTimeoutError, WSMsgType, WSServerHandshakeError, type WSMessage } from '../../src/client/index.js';
import { CancelledError, TimeoutError, createTask, sleep, waitFor } from '../../src/index.js';

async function wsServer(t: TestContext, onConnection: (ws: WsSocket) => void, options: { autoPong?: boolean } = {}): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end('no websocket here');
  });
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/missing') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

function echo(ws: WsSocket): void {
  ws.on('message', (data, isBinary) => {
    if (!isBinary && Buffer.from(data as Buffer).toString() === 'close me') ws.close(4000, 'asked');
    else ws.send(data, { binary: isBinary });
  });
}

function session(t: TestContext): ClientSession {
  const s = new ClientSession();
  t.after(() => s.close());
  return s;
}

test('send and receive text, bytes and JSON', async (t) => {
  const url = await wsServer(t, echo);
  const s = session(t);
  await using ws = await s.wsConnect(url);
  await ws.sendStr('hello');
  assert.equal(await ws.receiveStr(), 'hello');
  await ws.sendBytes(Buffer.from([1, 2, 3]));
  assert.deepEqual([...await ws.receiveBytes()], [1, 2, 3]);
  await ws.sendJson({ a: [1] });
  assert.deepEqual(await ws.receiveJson(), { a: [1] });
  await ws.sendBytes(Buffer.from('x'));
  await assert.rejects(ws.receiveStr(), /Received message BINARY:x is not WSMsgType.TEXT/);
  assert.equal(ws.closed, false);
  assert.equal(await ws.close(), true);
  assert.equal(ws.closed, true);
  assert.equal(ws.closeCode, 1000);
  assert.equal(await ws.close(), false);
});

test('async iteration ends when the peer closes; then receive() returns CLOSED', async (t) => {
  const url = await wsServer(t, echo);
  const s = session(t);
  const ws = await s.wsConnect(url);
  await ws.sendStr('one');
  await ws.sendStr('two');
  await ws.sendStr('close me');
  const got: WSMessage[] = [];
  for await (const msg of ws) got.push(msg);
  assert.deepEqual(got.map((m) => m.data), ['one', 'two']);
  assert.equal(ws.closeCode, 4000);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  await assert.rejects(ws.sendStr('late'), /closing or closed/);
});

test('a handshake refused by the server → WSServerHandshakeError with the status', async (t) => {
  const url = await wsServer(t, echo);
  const s = session(t);
  await assert.rejects(s.wsConnect(`${url}/missing`), (e: unknown) => e instanceof WSServerHandshakeError && e.status === 404);
});

test('subprotocols are negotiated', async (t) => {
  const url = await wsServer(t, echo);
  const s = session(t);
  await using ws = await s.wsConnect(url, { protocols: ['chat', 'superchat'] });
  assert.equal(ws.protocol, 'chat');
});

test('heartbeat: a peer that never pongs is dropped with 1006 and a ServerTimeoutError', async (t) => {
  const url = await wsServer(t, () => {}, { autoPong: false });
  const s = session(t);
  const ws = await s.wsConnect(url, { heartbeat: 0.1 });
  const msg = await ws.receive();
  assert.equal(msg.type, WSMsgType.ERROR);
  assert.ok(msg.data instanceof ServerTimeoutError);
  assert.ok(ws.exception() instanceof TimeoutError);
  for (;;) if ((await ws.receive()).type === WSMsgType.CLOSED) break;
  assert.equal(ws.closeCode, 1006);
});

test('heartbeat with a live peer keeps the connection', async (t) => {
  const url = await wsServer(t, echo);
  const s = session(t);
  await using ws = await s.wsConnect(url, { heartbeat: 0.05 });
  await sleep(0.3);
  await ws.sendStr('still here');
  assert.equal(await ws.receiveStr(), 'still here');
});

test('autoping: false delivers PING messages for the caller to answer', async (t) => {
  let pongs = 0;
  const url = await wsServer(t, (ws) => {
    ws.on('pong', () => {
      pongs++;
      ws.send('got pong');
    });
    ws.ping('p1');
  });
  const s = session(t);
  await using ws = await s.wsConnect(url, { autoping: false });
  const msg = await ws.receive();
  assert.equal(msg.type, WSMsgType.PING);
  assert.equal(msg.data?.toString(), 'p1');
  await ws.pong('p1');
  assert.equal(await ws.receiveStr(), 'got pong');
  assert.equal(pongs, 1);
});

test('receive() honours its timeout and the task cancellation', async (t) => {
  const url = await wsServer(t, () => {});
  const s = session(t);
  await using ws = await s.wsConnect(url);
  await assert.rejects(ws.receive({ timeout: 0.05 }), TimeoutError);
  const task = createTask(() => ws.receive());
  await sleep(0.01);
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.equal(ws.closed, false);
});

test('bad options are refused before connecting', async (t) => {
  const s = session(t);
  await assert.rejects(s.wsConnect('ws://127.0.0.1:1/', { heartbeat: 'x' as never }), /heartbeat must be a number of seconds/);
  await assert.rejects(s.wsConnect('ftp://127.0.0.1/'), /scheme ftp: is not supported/);
});

test('session.close() closes the open WebSockets with 1001', async (t) => {
  const url = await wsServer(t, () => {});
  const s = new ClientSession();
  const ws = await s.wsConnect(url);
  await s.close();
  assert.equal(ws.closed, true);
  assert.equal(ws.closeCode, 1001);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSE);
});

test('wsConnect is cancelled with its task: waitFor on a handshake that never ends closes the socket', async (t) => {
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => { onClose = resolve; });
  let arrived = 0;
  // A TCP peer that reads the upgrade request and never answers it.
  const server = net.createServer((socket) => {
    arrived++;
    socket.resume();
    socket.once('close', onClose);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const s = session(t);
  const url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
  await assert.rejects(waitFor(() => s.wsConnect(url), 0.1), TimeoutError);
  assert.equal(arrived, 1);
  await closed;
  const task = createTask(() => s.wsConnect(url));
  await sleep(0.05);
  task.cancel();
  await assert.rejects(task, CancelledError);
});
