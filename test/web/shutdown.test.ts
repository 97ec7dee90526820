// Graceful shutdown, nothing lost: in-flight requests finish, idle
// keep-alive connections close, new connections are refused, and the
// signals run in aiohttp's order.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
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
