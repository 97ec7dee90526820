// The WebSocket message layer, through the client (session.wsConnect) against
// a real `ws` server on 127.0.0.1.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { ClientSession, ServerTimeoutError, WSMsgType, WSServerHandshakeError, type WSMessage } from '../../src/client/index.js';
import { CancelledError, Event, TimeoutError, createTask, sleep, timeout, waitFor } from '../../src/index.js';
import { cancelAtRandom } from '../helpers/cancel-at-random.js';
import { listenWs } from '../helpers/ws-server.js';

async function wsServer(t: TestContext, onConnection: (ws: WsSocket) => void, options: { autoPong?: boolean } = {}): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end('no websocket here');
  });
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
  server.on('upgrade', (req, socket, head) => {
    // A client that gives up mid-handshake resets the connection.
    socket.on('error', () => {});
    if (req.url === '/missing') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });
  return listenWs(t, server, wss);
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

test('a connection failed on bad input has the close code we sent, not 1006 (as aiohttp)', async (t) => {
  const url = await wsServer(t, (ws) => ws.on('message', (data) => {
    const what = Buffer.from(data as Buffer).toString();
    // `ws` sends a Buffer with binary: false as a text frame without checking it.
    if (what === 'bad utf-8') ws.send(Buffer.from([0x68, 0xff, 0x69]), { binary: false });
    else ws.send(Buffer.alloc(2048));
  }));
  const s = session(t);
  for (const [ask, code] of [['bad utf-8', 1007], ['too big', 1009]] as const) {
    const ws = await s.wsConnect(url, { maxMsgSize: 1024 });
    await ws.sendStr(ask);
    assert.equal((await ws.receive()).type, WSMsgType.ERROR);
    assert.equal((await ws.receive()).type, WSMsgType.CLOSE);
    assert.equal(ws.closed, true);
    assert.equal(ws.closeCode, code, ask);
  }
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
  // The close() that session.close() made consumed the peer's answer, as aiohttp's does.
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
});

test('wsConnect is cancelled with its task: a timeout on a handshake that never ends closes the socket', async (t) => {
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => { onClose = resolve; });
  let arrived = 0;
  const arrival = new Event();
  // A TCP peer that reads the upgrade request and never answers it.
  const server = net.createServer((socket) => {
    arrived++;
    arrival.set();
    socket.resume();
    socket.once('close', onClose);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const s = session(t);
  const url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
  // The timeout expires once the peer has the connection (a fixed delay could
  // expire before the connect on a loaded machine).
  await assert.rejects(timeout(null, (cm) => {
    void arrival.wait().then(() => cm.reschedule(0));
    return s.wsConnect(url);
  }), TimeoutError);
  assert.equal(arrived, 1);
  await closed;
  const task = createTask(() => s.wsConnect(url));
  await sleep(0.05);
  task.cancel();
  await assert.rejects(task, CancelledError);
});

// Audit issue 9, item 7: a close() with arguments `ws` refuses must not leave
// the socket marked closing (later close() and session.close() would hang).
const refusedCloses: readonly [string, Record<string, unknown>, RegExp][] = [
  ['1005 (no status, never sent)', { code: 1005 }, /code 1005 may not be sent/],
  ['1006 (abnormal, never sent)', { code: 1006 }, /code 1006 may not be sent/],
  ['1015 (TLS failure, never sent)', { code: 1015 }, /code 1015 may not be sent/],
  ['1004 (reserved)', { code: 1004 }, /code 1004 may not be sent/],
  ['999 (below the range)', { code: 999 }, /code 999 may not be sent/],
  ['2999 (unassigned)', { code: 2999 }, /code 2999 may not be sent/],
  ['5000 (above the range)', { code: 5000 }, /code 5000 may not be sent/],
  ['a fraction', { code: 1000.5 }, /code must be an integer/],
  ['a reason of 124 bytes', { message: 'é'.repeat(62) }, /at most 123 bytes in UTF-8, got 124/],
  ['a reason that is not a string', { message: 42 }, /message must be a string/],
];

test('close() refuses bad codes and reasons before changing any state: the socket stays usable', async (t) => {
  const url = await wsServer(t, echo);
  const s = new ClientSession();
  const ws = await s.wsConnect(url);
  for (const [name, options, message] of refusedCloses) {
    await assert.rejects(ws.close(options), message, name);
    assert.equal(ws.closed, false, name);
    await ws.sendStr(`still open after ${name}`);
    assert.equal(await waitFor(ws.receiveStr(), 5), `still open after ${name}`);
  }
  const ws2 = await s.wsConnect(url);
  await assert.rejects(ws2.close({ code: 1006 }), RangeError);
  assert.equal(await waitFor(ws.close({ code: 4000, message: 'é'.repeat(61) }), 5), true);
  assert.equal(ws.closeCode, 4000);
  await waitFor(s.close(), 5);
  assert.equal(ws2.closed, true);
  assert.equal(ws2.closeCode, 1001);
});

test('close() accepts every code an endpoint may send', async (t) => {
  const url = await wsServer(t, echo);
  const s = session(t);
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]) {
    const ws = await s.wsConnect(url);
    assert.equal(await waitFor(ws.close({ code, message: 'x'.repeat(123) }), 5), true, String(code));
    assert.equal(ws.closeCode, code);
  }
});

/** A `ws` server whose sockets read nothing (the close frame included) until `resume()`. */
async function stalledServer(t: TestContext): Promise<{ url: string; resume: () => void }> {
  const peers: WsSocket[] = [];
  const url = await wsServer(t, (ws) => {
    peers.push(ws);
    echo(ws);
    ws.once('message', () => ws.pause());
  });
  return { url, resume: () => { for (const p of peers) p.resume(); } };
}

test('a close() that times out does not crash the process when the peer closes later (audit issue 9, item 8)', async (t) => {
  const seen: unknown[] = [];
  const on = (e: unknown): void => { seen.push(e); };
  process.on('uncaughtException', on);
  t.after(() => process.off('uncaughtException', on));
  const { url, resume } = await stalledServer(t);
  const s = session(t);
  const ws = await s.wsConnect(url);
  await ws.sendStr('stall');
  await ws.receive(); // the echo: the peer has stopped reading
  // As the audit wrote it, inside a task (a handler's, say).
  await createTask(() => assert.rejects(waitFor(ws.close(), 0.1), TimeoutError));
  resume();
  await sleep(0.1);
  assert.deepEqual(seen, []);
  // As aiohttp, a close() given up on drops the connection.
  assert.equal(ws.closed, true);
  assert.equal(ws.closeCode, 1006);
  assert.equal(await waitFor(ws.close(), 5), false);
});

test('a second close() given up on leaves the first one waiting for the peer', async (t) => {
  const seen: unknown[] = [];
  const on = (e: unknown): void => { seen.push(e); };
  process.on('uncaughtException', on);
  t.after(() => process.off('uncaughtException', on));
  const { url, resume } = await stalledServer(t);
  const s = session(t);
  const ws = await s.wsConnect(url);
  await ws.sendStr('stall');
  await ws.receive();
  const first = ws.close({ code: 4001 });
  await assert.rejects(waitFor(() => ws.close(), 0.05), TimeoutError);
  resume();
  assert.equal(await waitFor(first, 5), true);
  assert.equal(ws.closeCode, 4001);
  await sleep(0.05);
  assert.deepEqual(seen, []);
});

// Random cancellation (audit issue 9): every WebSocket await, cancelled at a
// random point while the peer goes on, leaves nothing uncaught and no listener.

/** A server that hands each connection to the current trial. */
async function trialServer(t: TestContext): Promise<{ url: string; next: () => Promise<WsSocket> }> {
  let waiting: ((ws: WsSocket) => void) | undefined;
  const url = await wsServer(t, (ws) => {
    ws.on('error', () => {});
    waiting?.(ws);
  });
  return { url, next: () => new Promise((resolve) => { waiting = resolve; }) };
}

test('receive() cancelled at random points while the peer sends, closes or drops', async (t) => {
  const { url, next } = await trialServer(t);
  const s = session(t);
  await cancelAtRandom(async (trial) => {
    const peerP = next();
    const ws = await s.wsConnect(url);
    const peer = await peerP;
    const started = trial.start(() => ws.receive());
    await started.cancelPoint;
    const r = trial.random();
    if (r < 0.4) peer.send('hello');
    else if (r < 0.7) peer.close(4000, 'bye');
    else peer.terminate();
    await started.outcome;
    await waitFor(ws.close(), 5);
  });
});

test('close() cancelled at random points while the peer answers late, closes or drops', async (t) => {
  const { url, next } = await trialServer(t);
  const s = session(t);
  await cancelAtRandom(async (trial) => {
    const peerP = next();
    const ws = await s.wsConnect(url);
    const peer = await peerP;
    // The peer reads nothing until told: the close handshake waits for it.
    peer.pause();
    const started = trial.start(() => ws.close({ code: 4002 }));
    await started.cancelPoint;
    const r = trial.random();
    if (r < 0.5) peer.resume();
    else if (r < 0.75) {
      peer.resume();
      peer.close(4003, 'peer first');
    } else peer.terminate();
    await started.outcome;
    // Whether or not the first close() ran, a later one finishes the job.
    await waitFor(ws.close(), 5);
    assert.equal(ws.closed, true, `trial seed ${trial.seed}`);
  });
});

test('sendStr() cancelled at random points while the peer reads or drops', async (t) => {
  const { url, next } = await trialServer(t);
  const s = session(t);
  const big = 'x'.repeat(1024 * 1024);
  await cancelAtRandom(async (trial) => {
    const peerP = next();
    // With compression, `ws` holds the message while zlib works on it.
    const ws = await s.wsConnect(url, { compress: trial.random() < 0.5 });
    const peer = await peerP;
    const started = trial.start(() => ws.sendStr(big));
    await started.cancelPoint;
    if (trial.random() < 0.3) peer.terminate();
    await started.outcome;
    await waitFor(ws.close(), 5);
  }, { trials: 20 });
});
