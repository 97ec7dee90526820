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
// Slack over one message: its frame header (at most 14 bytes) and, with
// compression, deflate's few bytes of framing per message still queued.
const SLACK = 1024;

/**
 * A server whose peers stop reading at once; each connection is handed to
 * `next()`. It accepts permessage-deflate: a client with `compress` gets it.
 */
async function stallingServer(t: TestContext): Promise<{ url: string; next: () => Promise<WsSocket> }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
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

/**
 * A task sending messages of `size` bytes in a loop; `sent` counts the sends
 * that resolved, `highest` the most bytes buffered (sampled as each frame is
 * handed over, before any wait). With compression each message is new random
 * bytes: a repeated one would deflate to almost nothing (the window remembers it).
 */
function producer(ws: ClientWebSocketResponse, size: number, compress: boolean): { task: Task<never>; sent: () => number; highest: () => number } {
  let sent = 0;
  let highest = 0;
  const raw = rawSocket(ws);
  const fixed = randomBytes(size);
  const task = createTask(async (): Promise<never> => {
    for (;;) {
      const sending = ws.sendBytes(compress ? randomBytes(size) : fixed, compress);
      highest = Math.max(highest, raw.bufferedAmount);
      await sending;
      sent++;
    }
  });
  return { task, sent: () => sent, highest: () => highest };
}

/**
 * Wait until the sender is stuck: neither the bytes buffered nor the count
 * of sends done move for 5 polls in a row.
 */
async function untilStalled(ws: ClientWebSocketResponse, bufferedAmount: () => number, sent: () => number): Promise<void> {
  await waitFor(async () => {
    let still = 0;
    let last = '';
    while (still < 5) {
      await sleep(0.02);
      const now = `${bufferedAmount()} ${sent()}`;
      still = sent() > 0 && now === last ? still + 1 : 0;
      last = now;
    }
  }, 30).catch(() => assert.fail(`the sender never got stuck (${bufferedAmount()} bytes buffered, ${sent()} sends done)`));
  assert.equal(ws.closed, false);
}

// With compression, 16 KiB messages: `ws` deflates one message at a time
// through the thread pool, which is slow to fill the kernel's buffers 1 KiB at a time.
for (const [compress, size] of [[false, 1024], [true, 16 * 1024]] as const) {
  test(`a peer that never reads: the sends block with the buffer bounded near 64 KiB, then fail when the peer goes (compress: ${compress})`, async (t) => {
    const unhandled = rejections(t);
    const { url, next } = await stallingServer(t);
    const s = new ClientSession();
    t.after(() => s.close());
    const peerP = next();
    const ws = await s.wsConnect(url, { compress });
    const peer = await peerP;
    const raw = rawSocket(ws);
    assert.equal(raw.extensions.includes('permessage-deflate'), compress);
    const p = producer(ws, size, compress);
    // The loop blocks in a send, and memory stops growing...
    await untilStalled(ws, () => raw.bufferedAmount, p.sent);
    // ...near the high-water mark.
    assert.ok(p.highest() > HIGH_WATER, `buffered up to ${p.highest()} bytes: the sends waited before the high-water mark`);
    assert.ok(p.highest() <= HIGH_WATER + size + SLACK, `buffered up to ${p.highest()} bytes, more than 64 KiB and one message`);
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
  let i = 0;
  const message = Buffer.alloc(4096);
  const sender = createTask(async () => {
    for (; i < count; i++) {
      message.writeUInt32BE(i, 0);
      const sending = ws.sendBytes(Buffer.from(message));
      // The most the buffer holds: the frame was just handed over, before any wait.
      highest = Math.max(highest, raw.bufferedAmount);
      await sending;
    }
  });
  // Let the kernel buffers fill, then read in small sips.
  await untilStalled(ws, () => raw.bufferedAmount, () => i);
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
  assert.ok(highest <= HIGH_WATER + message.length + SLACK, `buffered up to ${highest} bytes`);
  assert.equal(await waitFor(ws.close(), 5), true);
});

test('the fast path: with a peer that reads, sends resolve without waiting for each write', async (t) => {
  const { url, next } = await stallingServer(t);
  const s = new ClientSession();
  t.after(() => s.close());
  const peerP = next();
  const ws = await s.wsConnect(url, { compress: true });
  const peer = await peerP;
  assert.match(rawSocket(ws).extensions, /permessage-deflate/);
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
  await cancelAtRandom(async (trial) => {
    const peerP = next();
    const ws = await s.wsConnect(url, { compress: false });
    const peer = await peerP;
    const raw = rawSocket(ws);
    trial.watch(raw);
    // Fill the buffers: the filler's last send waits.
    const filler = producer(ws, 16 * 1024, false);
    await untilStalled(ws, () => raw.bufferedAmount, filler.sent);
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
  }, { trials: 20 });
});

/** The `ws` socket under a client WebSocket, to read its `bufferedAmount`. */
function rawSocket(ws: ClientWebSocketResponse): WsSocket {
  const raw = ws._wsSocket();
  assert.ok(raw !== undefined);
  return raw;
}
