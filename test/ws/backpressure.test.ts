// Send-side backpressure of the WebSocket message layer, through the client
// against bare `ws` servers on 127.0.0.1: a send resolves once its frame is
// handed to the socket, and waits while more than 64 KiB are buffered.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { ClientConnectionResetError, ClientSession, WSMsgType, type ClientWebSocketResponse, type WSMessage } from '../../src/client/index.js';
import { createTask, sleep, waitFor, type Task } from '../../src/index.js';
import { cancelAtRandom } from '../helpers/cancel-at-random.js';
import { listenWs } from '../helpers/ws-server.js';

const HIGH_WATER = 64 * 1024;
// A frame header is at most 14 bytes (8-byte length, 4-byte mask).
const FRAME_HEADER = 14;

/** A server whose peers stop reading at once; each connection is handed to `next()`. */
async function stallingServer(t: TestContext): Promise<{ url: string; next: () => Promise<WsSocket> }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  let waiting: ((ws: WsSocket) => void) | undefined;
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      ws.pause();
      waiting?.(ws);
    });
  });
  const url = await listenWs(t, server, wss);
  return { url, next: () => new Promise((resolve) => { waiting = resolve; }) };
}

/** Collect unhandled rejections during the test. */
function rejections(t: TestContext): unknown[] {
  const seen: unknown[] = [];
  const on = (e: unknown): void => { seen.push(e); };
  process.on('unhandledRejection', on);
  t.after(() => process.off('unhandledRejection', on));
  return seen;
}

/** A task sending `message` in a loop; `sent` counts the sends that resolved. */
function producer(ws: ClientWebSocketResponse, message: Buffer, compress: boolean): { task: Task<never>; sent: () => number } {
  let sent = 0;
  const task = createTask(async (): Promise<never> => {
    for (;;) {
      await ws.sendBytes(message, compress);
      sent++;
    }
  });
  return { task, sent: () => sent };
}

/** Wait until the socket holds more than the high-water mark (the kernel's buffers are full by then). */
async function untilStalled(ws: ClientWebSocketResponse, bufferedAmount: () => number): Promise<void> {
  await waitFor(async () => {
    while (bufferedAmount() <= HIGH_WATER) await sleep(0.005);
  }, 30).catch(() => assert.fail(`the send buffer never went over ${HIGH_WATER} bytes (${bufferedAmount()}): sends do not go ahead while the peer reads nothing`));
  assert.equal(ws.closed, false);
}

for (const compress of [false, true]) {
  test(`a peer that never reads: the sends block with the buffer bounded near 64 KiB, then fail when the peer goes (compress: ${compress})`, async (t) => {
    const unhandled = rejections(t);
    const { url, next } = await stallingServer(t);
    const s = new ClientSession();
    t.after(() => s.close());
    const peerP = next();
    const ws = await s.wsConnect(url, { compress });
    const peer = await peerP;
    const raw = rawSocket(ws);
    const message = randomBytes(1024);
    const p = producer(ws, message, compress);
    await untilStalled(ws, () => raw.bufferedAmount);
    const sent = p.sent();
    const buffered = raw.bufferedAmount;
    // Stalled: the loop waits in a send, and memory stops growing.
    for (let i = 0; i < 5; i++) await sleep(0.02);
    assert.equal(p.sent(), sent, 'no send resolves while the peer reads nothing');
    assert.equal(raw.bufferedAmount, buffered);
    assert.ok(buffered <= HIGH_WATER + message.length + FRAME_HEADER, `buffered ${buffered} bytes, more than 64 KiB and one message`);
    assert.equal(p.task.done(), false);
    peer.terminate();
    await assert.rejects(waitFor(p.task, 10), (e: unknown) => {
      assert.ok(e instanceof ClientConnectionResetError, String(e));
      assert.match(e.message, /the connection closed before the peer read the data sent/);
      return true;
    });
    // What the connection says about it: the failed write as ERROR (no
    // send awaits it any more), then CLOSE 1006, then CLOSED.
    const msgs: WSMessage[] = [];
    for (;;) {
      const msg = await waitFor(ws.receive(), 5);
      msgs.push(msg);
      if (msg.type === WSMsgType.CLOSED) break;
    }
    assert.deepEqual(msgs.map((m) => m.type), [WSMsgType.ERROR, WSMsgType.CLOSE, WSMsgType.CLOSED]);
    const error = msgs[0]?.data;
    assert.ok(error instanceof ClientConnectionResetError);
    assert.match(error.message, /the connection broke with data still unwritten/);
    assert.ok(error.cause instanceof Error);
    assert.equal(ws.exception(), error);
    assert.equal(msgs[1]?.data, 1006);
    assert.equal(ws.closeCode, 1006);
    await sleep(0.02);
    assert.deepEqual(unhandled, []);
  });
}

test('a slow peer that reads gets every message, in order, with the buffer bounded', async (t) => {
  const { url, next } = await stallingServer(t);
  const s = new ClientSession();
  t.after(() => s.close());
  const peerP = next();
  const ws = await s.wsConnect(url, { compress: false });
  const peer = await peerP;
  const raw = rawSocket(ws);
  const count = 3000;
  const got: number[] = [];
  const all = new Promise<void>((resolve) => {
    peer.on('message', (data: Buffer) => {
      got.push(data.readUInt32BE(0));
      if (got.length === count) resolve();
    });
  });
  let highest = 0;
  const message = Buffer.alloc(4096);
  const sender = createTask(async () => {
    for (let i = 0; i < count; i++) {
      message.writeUInt32BE(i, 0);
      const sending = ws.sendBytes(Buffer.from(message));
      // The most the buffer holds: the frame was just handed over, before any wait.
      highest = Math.max(highest, raw.bufferedAmount);
      await sending;
    }
  });
  // Let the kernel buffers fill, then read in small sips.
  await untilStalled(ws, () => raw.bufferedAmount);
  const sip = setInterval(() => {
    peer.resume();
    setImmediate(() => peer.pause());
  }, 5);
  t.after(() => clearInterval(sip));
  await waitFor(sender, 60);
  clearInterval(sip);
  // After the last sip's pause.
  await new Promise(setImmediate);
  peer.resume();
  await waitFor(all, 30);
  assert.deepEqual(got, Array.from({ length: count }, (_, i) => i));
  assert.ok(highest <= HIGH_WATER + message.length + FRAME_HEADER, `buffered up to ${highest} bytes`);
  assert.equal(await waitFor(ws.close(), 5), true);
});

test('the fast path: with a peer that reads, sends resolve without waiting for each write', async (t) => {
  const { url, next } = await stallingServer(t);
  const s = new ClientSession();
  t.after(() => s.close());
  const peerP = next();
  const ws = await s.wsConnect(url, { compress: true });
  const peer = await peerP;
  let received = 0;
  peer.on('message', () => received++);
  peer.resume();
  // 2 KiB messages are compressed (over ws's 1 KiB threshold): the old
  // send waited for zlib and the write of each one before resolving.
  const message = 'a'.repeat(2048);
  for (let i = 0; i < 10; i++) await ws.sendStr(message);
  // No event-loop turn between the sends: nothing reached the peer yet.
  assert.equal(received, 0, 'the sends waited for I/O');
  await waitFor((async () => { while (received < 10) await sleep(0.005); })(), 10);
  assert.equal(await waitFor(ws.close(), 5), true);
});

test('a send waiting for the peer to read, cancelled at random points while the peer reads or goes', async (t) => {
  const { url, next } = await stallingServer(t);
  const s = new ClientSession();
  t.after(() => s.close());
  const fill = randomBytes(16 * 1024);
  await cancelAtRandom(async (trial) => {
    const peerP = next();
    const ws = await s.wsConnect(url, { compress: false });
    const peer = await peerP;
    const raw = rawSocket(ws);
    trial.watch(raw);
    // Fill the buffers: the filler's last send waits.
    const filler = producer(ws, fill, false);
    await untilStalled(ws, () => raw.bufferedAmount);
    const started = trial.start(() => ws.sendStr('x'.repeat(1024)));
    await started.cancelPoint;
    const r = trial.random();
    if (r < 0.5) peer.resume();
    else peer.terminate();
    await started.outcome;
    if (r < 0.5) {
      filler.task.cancel();
      // Still usable after the cancelled send.
      await waitFor(ws.sendStr('after'), 5);
      assert.equal(await waitFor(ws.close(), 10), true, `trial seed ${trial.seed}`);
    } else {
      await assert.rejects(waitFor(filler.task, 10), ClientConnectionResetError);
      await waitFor(ws.close(), 5);
    }
    await waitFor(filler.task.then(() => {}, () => {}), 5);
    assert.equal(ws.closed, true);
  }, { trials: 30 });
});

/** The `ws` socket under a client WebSocket, to read its `bufferedAmount`. */
function rawSocket(ws: ClientWebSocketResponse): WsSocket {
  const raw = ws._wsSocket();
  assert.ok(raw !== undefined);
  return raw;
}
