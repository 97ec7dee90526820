// wsConnect(): the handshake's listeners last as long as the handshake is
// awaited (audit issue 9: every listener registered for an await is removed
// when that await ends, however it ends).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { ClientSession } from '../../src/client/index.js';
import { cancelAtRandom } from '../helpers/cancel-at-random.js';
import { listenWs } from '../helpers/ws-server.js';

async function wsServer(t: TestContext): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    if (req.url === '/missing') socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    else wss.handleUpgrade(req, socket, head, () => {});
  });
  return listenWs(t, server, wss);
}

/** Collect the `ws` sockets made while `fn` runs (their class is private to the response). */
async function capturing<T>(fn: () => Promise<T>): Promise<[T | Error, WebSocket[]]> {
  const made: WebSocket[] = [];
  const proto = WebSocket.prototype as unknown as { on: EventEmitter['on'] };
  proto.on = function on(this: WebSocket, ...args: Parameters<EventEmitter['on']>) {
    if (!made.includes(this)) made.push(this);
    return EventEmitter.prototype.on.apply(this, args);
  } as EventEmitter['on'];
  try {
    return [await fn().catch((e: unknown) => e as Error), made];
  } finally {
    delete (proto as { on?: unknown }).on;
  }
}

test('wsConnect() leaves no handshake listener on the socket, opened or refused', async (t) => {
  const url = await wsServer(t);
  const s = new ClientSession();
  t.after(() => s.close());
  const [ok, [okWs]] = await capturing(() => s.wsConnect(url));
  assert.ok(!(ok instanceof Error));
  assert.ok(okWs !== undefined);
  assert.deepEqual([okWs.listenerCount('unexpected-response'), okWs.listenerCount('open'), okWs.listenerCount('error')], [0, 0, 1]);
  const [refused, [badWs]] = await capturing(() => s.wsConnect(`${url}/missing`));
  assert.ok(refused instanceof Error);
  assert.ok(badWs !== undefined);
  assert.deepEqual([badWs.listenerCount('unexpected-response'), badWs.listenerCount('open')], [0, 0]);
});

test('wsConnect() cancelled at random points: nothing uncaught, and a second one still works', async (t) => {
  const url = await wsServer(t);
  const s = new ClientSession();
  t.after(() => s.close());
  await cancelAtRandom(async (trial) => {
    const started = trial.start(() => s.wsConnect(trial.random() < 0.3 ? `${url}/missing` : url));
    const outcome = await started.outcome;
    if (outcome.status === 'fulfilled') await outcome.value.close();
  });
  const ws = await s.wsConnect(url);
  assert.equal(await ws.close(), true);
});
