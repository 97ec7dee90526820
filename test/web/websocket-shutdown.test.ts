// Graceful shutdown with open WebSockets: each gets a close frame with 1001
// (going away) when shutdown begins, its handler gets to finish, and what is
// left at shutdownTimeout is cancelled; upgraded sockets never hold the
// server's close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { CancelledError, sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { handshakeText, RawPeer } from './ws-raw.js';

async function serve(app: web.Application, options?: web.RunnerOptions): Promise<{ runner: web.AppRunner; url: string; port: number }> {
  const runner = new web.AppRunner(app, { accessLog: null, ...options });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  return { runner, url: `ws://127.0.0.1:${site.port}/ws`, port: site.port };
}

test('1,000 open WebSockets: every one gets 1001 at the start of shutdown and every handler finishes', async (t) => {
  const N = 1000;
  let opened = 0;
  let finished = 0;
  const lastMessages: (number | null)[] = [];
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    opened++;
    let last: web.WSMessage | undefined;
    for (;;) {
      last = await ws.receive();
      if (last.type !== web.WSMsgType.TEXT) break;
    }
    lastMessages.push(last.type === web.WSMsgType.CLOSE ? last.data : null);
    finished++;
    return ws;
  });
  // A long shutdownTimeout: nothing here may need it.
  const { runner, url } = await serve(app, { shutdownTimeout: 60 });
  const clients: WebSocket[] = [];
  t.after(() => {
    for (const c of clients) c.terminate();
  });
  const codes: number[] = [];
  // In batches: the listen backlog is finite.
  for (let i = 0; i < N; i += 100) {
    const batch = Array.from({ length: Math.min(100, N - i) }, () => {
      const c = new WebSocket(url, { perMessageDeflate: false });
      clients.push(c);
      c.on('close', (code: number) => codes.push(code));
      return new Promise((resolve, reject) => c.once('open', resolve).once('error', reject));
    });
    await Promise.all(batch);
  }
  while (opened < N) await sleep(0.01);
  const started = performance.now();
  await runner.cleanup();
  const took = (performance.now() - started) / 1000;
  assert.equal(finished, N);
  assert.equal(lastMessages.length, N);
  // Each handler's receive() returned the CLOSE: the client's answer to the 1001.
  assert.ok(lastMessages.every((c) => c === 1001), `close codes seen by handlers: ${[...new Set(lastMessages)].join(',')}`);
  while (codes.length < N) await sleep(0.01);
  assert.ok(codes.every((c) => c === 1001), `close codes seen by clients: ${[...new Set(codes)].join(',')}`);
  // Far below shutdownTimeout: nobody waited for a deadline.
  assert.ok(took < 30, `cleanup took ${took} s`);
});

test('a handler that does not finish by shutdownTimeout is cancelled (its finally runs), and the socket is closed', async () => {
  let state = 'running';
  let prepared = false;
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    prepared = true;
    try {
      await sleep(3600);
      state = 'slept';
    } catch (e) {
      state = e instanceof CancelledError ? 'cancelled' : String(e);
      throw e;
    }
    return ws;
  });
  const { runner, port } = await serve(app, { shutdownTimeout: 0.3 });
  // A raw peer that never answers the close frame either.
  const peer = await RawPeer.open(port, handshakeText('/ws'));
  assert.equal(await peer.status(), 101);
  while (!prepared) await sleep(0.01);
  await runner.cleanup();
  assert.equal(state, 'cancelled');
  assert.equal(await peer.closeCode(), 1001);
  await peer.end();
  assert.ok(peer.ended);
});

test('a WebSocket opened while shutdown is under way is told to go away at once', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let got: web.WSMessage | undefined;
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    await gate;
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    got = await ws.receive();
    return ws;
  });
  app.onShutdown.push(async () => release());
  const { runner, url } = await serve(app, { shutdownTimeout: 10 });
  const c = new WebSocket(url);
  const closed = new Promise<number>((resolve) => c.once('close', resolve));
  c.on('error', () => {});
  await sleep(0.1);
  await runner.cleanup();
  assert.equal(await closed, 1001);
  // close() is under way when the handler first reads: CLOSING, as aiohttp says then.
  assert.ok(got?.type === web.WSMsgType.CLOSING || got?.type === web.WSMsgType.CLOSE, String(got?.type));
});
