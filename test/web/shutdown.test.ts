// Graceful shutdown, nothing lost: in-flight requests finish, idle
// keep-alive connections close, new connections are refused, and the
// signals run in aiohttp's order.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { CancelledError, Event, sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { openSocket, rawRequest, statusOf } from './helpers.js';

test('in-flight requests complete, idle connections close, new ones are refused', async () => {
  const events: string[] = [];
  const entered = new Event();
  const release = new Event();
  const app = new web.Application();
  app.router.addGet('/slow', async () => {
    entered.set();
    await release.wait();
    events.push('handler done');
    return new web.Response({ text: 'finished' });
  });
  app.router.addGet('/fast', async () => new web.Response({ text: 'fast' }));
  app.onShutdown.push(async () => {
    events.push('shutdown');
    release.set();
  });
  app.onCleanup.push(async () => void events.push('cleanup'));
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const port = site.port;

  // An idle keep-alive connection: one request answered, then nothing.
  const idle = await openSocket(port);
  idle.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(idle, 'data');
  const idleClosed = once(idle, 'close');

  const inflight = rawRequest(port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', { until: /finished$/ });
  await entered.wait();
  const cleaning = runner.cleanup();
  await idleClosed;
  const refused = await new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  assert.equal(refused, 'ECONNREFUSED');
  const raw = await inflight;
  assert.equal(statusOf(raw), 200);
  assert.match(raw, /\r\nConnection: close\r\n/i);
  assert.match(raw, /finished$/);
  await cleaning;
  assert.deepEqual(events, ['shutdown', 'handler done', 'cleanup']);
});

test('past shutdownTimeout the handlers left are cancelled, their finally blocks run, cleanup still runs', async () => {
  const entered = new Event();
  let cancelled = false;
  let finallyRan = false;
  const events: string[] = [];
  const app = new web.Application();
  app.router.addGet('/stuck', async () => {
    entered.set();
    try {
      await sleep(3600);
      return new web.Response({ text: 'never' });
    } catch (e) {
      cancelled = e instanceof CancelledError;
      throw e;
    } finally {
      finallyRan = true;
    }
  });
  app.onCleanup.push(async () => void events.push('cleanup'));
  const runner = new web.AppRunner(app, { accessLog: null, shutdownTimeout: 0.05 });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const stuck = rawRequest(site.port, 'GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n');
  await entered.wait();
  await runner.cleanup();
  assert.equal(await stuck, '');
  assert.ok(cancelled);
  assert.ok(finallyRan);
  assert.deepEqual(events, ['cleanup']);
});

test('a request on a busy keep-alive connection during shutdown is answered with Connection: close', async () => {
  const entered = new Event();
  const release = new Event();
  const app = new web.Application();
  app.router.addGet('/slow', async () => {
    entered.set();
    await release.wait();
    return new web.Response({ text: 'one' });
  });
  app.onShutdown.push(async () => release.set());
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const sock = await openSocket(site.port);
  let out = '';
  sock.on('data', (d) => (out += d.toString()));
  sock.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await entered.wait();
  const closed = once(sock, 'close');
  await runner.cleanup();
  await closed;
  assert.equal(statusOf(out), 200);
  assert.match(out, /Connection: close/i);
  assert.match(out, /one$/);
});

test('a handler reading the body when the shutdown deadline cancels it: the body arriving later does not crash the process (audit issue 9, item 1)', async (t) => {
  const seen: unknown[] = [];
  const on = (e: unknown): void => {
    seen.push(e);
  };
  process.on('uncaughtException', on);
  t.after(() => process.off('uncaughtException', on));
  const entered = new Event();
  let outcome: unknown;
  const app = new web.Application();
  app.router.addPost('/up', async (request) => {
    entered.set();
    try {
      await request.read();
    } catch (e) {
      outcome = e;
      throw e;
    }
    return new web.Response({ text: 'read' });
  });
  const runner = new web.AppRunner(app, { accessLog: null, shutdownTimeout: 0.05 });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const sock = await openSocket(site.port);
  sock.on('error', () => {});
  sock.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc');
  await entered.wait();
  const cleaning = runner.cleanup();
  await sleep(0.1);
  assert.ok(outcome instanceof CancelledError);
  sock.write('def');
  await cleaning;
  await sleep(0.05);
  sock.destroy();
  assert.deepEqual(seen, []);
});

/** A client that reads a response slowly (or not at all) and counts the body's bytes. */
function slowReader(port: number, options: { pauseMs: number | null }): { socket: Socket; received: () => number; headersSeen: Promise<void>; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let total = 0;
  let head = Buffer.alloc(0);
  let headerEnd = -1;
  let seen: () => void = () => {};
  const headersSeen = new Promise<void>((resolve) => (seen = resolve));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.on('data', (d: Buffer) => {
    if (headerEnd === -1) {
      head = Buffer.concat([head, d]);
      headerEnd = head.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      total = head.length - headerEnd - 4;
      seen();
    } else {
      total += d.length;
    }
    if (options.pauseMs !== null) {
      socket.pause();
      setTimeout(() => socket.resume(), options.pauseMs);
    }
  });
  if (options.pauseMs === null) socket.once('data', () => socket.pause());
  socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
  return { socket, received: () => total, headersSeen, closed };
}

const BIG = 32 * 1024 * 1024;

test('cleanup() waits until a response already written reaches a slow reader whole', { timeout: 60_000 }, async () => {
  const app = new web.Application();
  app.router.addGet('/big', async () => new web.Response({ body: Buffer.alloc(BIG, 0x61) }));
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  // 64 KiB every 2 ms: about 1 s for the whole body, far past the moment cleanup starts.
  const reader = slowReader(site.port, { pauseMs: 2 });
  await reader.headersSeen;
  await runner.cleanup();
  await reader.closed;
  assert.equal(reader.received(), BIG);
});

test('a reader that never reads is cut at shutdownTimeout: shutdown stays bounded', { timeout: 60_000 }, async () => {
  const app = new web.Application();
  app.router.addGet('/big', async () => new web.Response({ body: Buffer.alloc(BIG, 0x61) }));
  const runner = new web.AppRunner(app, { accessLog: null, shutdownTimeout: 0.2 });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const reader = slowReader(site.port, { pauseMs: null });
  await reader.headersSeen;
  await runner.cleanup();
  // Read what the kernel buffers held: it is less than the body.
  reader.socket.resume();
  await reader.closed;
  assert.ok(reader.received() < BIG, `received ${reader.received()} of ${BIG}`);
});
