// Request body reading under cancellation (audit issue 9, item 1): a client
// that goes away mid-upload, a handler that stops waiting for the body, or a
// shutdown deadline must never leave a listener that settles a cancelled
// future (InvalidStateError thrown from an emitter ends the process).
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Event, TimeoutError, sleep, waitFor } from '../../src/index.js';
import { TestServer } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';
import { cancelAtRandom, type Started } from '../helpers/cancel-at-random.js';
import { openSocket } from './helpers.js';

/** Collect uncaught exceptions and unhandled rejections until the test ends. */
function uncaught(t: TestContext): unknown[] {
  const seen: unknown[] = [];
  const on = (e: unknown): void => {
    seen.push(e);
  };
  process.on('uncaughtException', on);
  process.on('unhandledRejection', on);
  t.after(() => {
    process.off('uncaughtException', on);
    process.off('unhandledRejection', on);
  });
  return seen;
}

async function serve(t: TestContext, app: web.Application, handlerCancellation: boolean): Promise<number> {
  const server = new TestServer(app, { handlerCancellation });
  await server.start();
  t.after(() => server.close());
  return server.port;
}

function waitClosed(sock: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (sock.destroyed) resolve();
    else sock.once('close', () => resolve());
  });
}

for (const path of ['read', 'content'] as const) {
  test(`${path}: a client that disconnects mid-upload with handlerCancellation does not crash the process`, async (t) => {
    const seen = uncaught(t);
    const entered = new Event();
    const finished = new Event();
    let outcome: unknown;
    const app = new web.Application();
    app.router.addPost('/up', async (request) => {
      entered.set();
      try {
        if (path === 'content') await request.content.read(-1);
        else await request.read();
        outcome = 'read';
      } catch (e) {
        outcome = e;
        throw e;
      } finally {
        finished.set();
      }
      return new web.Response({ text: 'ok' });
    });
    const port = await serve(t, app, true);
    const sock = await openSocket(port);
    sock.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
    await entered.wait();
    await sleep(0.02);
    sock.destroy();
    await finished.wait();
    await sleep(0.05);
    assert.ok(outcome instanceof Error, 'the read failed');
    assert.deepEqual(seen, []);
  });

  test(`${path}: waitFor(read, timeout) then the client finishes the body: no crash, the listeners are gone`, async (t) => {
    const seen = uncaught(t);
    const timedOut = new Event();
    let req: IncomingMessage | undefined;
    let counts: Record<string, number> = {};
    const app = new web.Application();
    app.router.addPost('/up', async (request) => {
      req = request._req;
      const before = { data: req.listenerCount('data'), end: req.listenerCount('end') };
      try {
        await waitFor(path === 'content' ? request.content.read(-1) : request.read(), 0.05);
        return new web.Response({ text: 'no timeout' });
      } catch (e) {
        assert.ok(e instanceof TimeoutError);
        if (path === 'read') counts = { data: req.listenerCount('data') - before.data, end: req.listenerCount('end') - before.end };
        timedOut.set();
        // The client's body arrives now: nobody listens for it any more.
        await sleep(0.1);
        return new web.Response({ text: 'timed out' });
      }
    });
    const port = await serve(t, app, true);
    const sock = await openSocket(port);
    let response = '';
    sock.on('data', (d: Buffer) => {
      response += d.toString('latin1');
      if (response.includes('timed out') || response.includes('no timeout')) sock.end();
    });
    sock.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc');
    await timedOut.wait();
    sock.write('def');
    await waitClosed(sock);
    assert.match(response, /timed out/);
    assert.deepEqual(counts, path === 'read' ? { data: 0, end: 0 } : {});
    assert.deepEqual(seen, []);
  });
}

test('request.read() cancelled at random points while the client sends, finishes or drops the body', async (t) => {
  let current: ((request: web.Request) => Promise<web.Response>) | undefined;
  const app = new web.Application();
  app.router.addPost('/up', (request) => (current as (r: web.Request) => Promise<web.Response>)(request));
  const port = await serve(t, app, false);
  await cancelAtRandom(async (trial) => {
    const handled = new Event();
    let started: Started<Buffer> | undefined;
    current = async (request) => {
      trial.watch(request._req);
      started = trial.start(() => request.read());
      handled.set();
      await started.outcome;
      return new web.Response({ text: 'done' });
    };
    const sock = await openSocket(port);
    sock.on('data', () => sock.end());
    sock.on('error', () => {});
    sock.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc');
    await handled.wait();
    await started?.cancelPoint;
    // The world goes on: the client finishes the body, or goes away.
    const r = trial.random();
    if (r < 0.5) sock.write('def');
    else if (r < 0.75) sock.destroy();
    else sock.write('def', () => sock.destroy());
    const outcome = await started?.outcome;
    if (outcome?.status === 'rejected') assert.ok(outcome.reason === 'cancelled' || outcome.reason instanceof Error, `trial seed ${trial.seed}: ${String(outcome.reason)}`);
    await waitClosed(sock);
  }, { trials: 40 });
});

test('request.content.read() cancelled at random points while the client sends, finishes or drops the body', async (t) => {
  let current: ((request: web.Request) => Promise<web.Response>) | undefined;
  const app = new web.Application();
  app.router.addPost('/up', (request) => (current as (r: web.Request) => Promise<web.Response>)(request));
  const port = await serve(t, app, false);
  await cancelAtRandom(async (trial) => {
    const handled = new Event();
    let started: Started<Buffer> | undefined;
    current = async (request) => {
      const content = request.content;
      trial.watch(request._req);
      started = trial.start(() => content.read(-1));
      handled.set();
      await started.outcome;
      return new web.Response({ text: 'done' });
    };
    const sock = await openSocket(port);
    sock.on('data', () => sock.end());
    sock.on('error', () => {});
    sock.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc');
    await handled.wait();
    await started?.cancelPoint;
    const r = trial.random();
    if (r < 0.5) sock.write('def');
    else sock.destroy();
    await started?.outcome;
    await waitClosed(sock);
  }, { trials: 30 });
});

test('request.content after read() is at its end, not waiting forever', async (t) => {
  const app = new web.Application();
  app.router.addPost('/up', async (request) => {
    const body = await request.read();
    const rest = await waitFor(request.content.read(-1), 5);
    return new web.Response({ text: `${body.toString()}|${rest.length}` });
  });
  const port = await serve(t, app, false);
  const sock = await openSocket(port);
  let response = '';
  sock.on('data', (d: Buffer) => {
    response += d.toString('latin1');
    if (/\r\n\r\n.*\|/s.test(response)) sock.end();
  });
  sock.write('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabcdef');
  await waitClosed(sock);
  assert.match(response, /abcdef\|0$/);
});
