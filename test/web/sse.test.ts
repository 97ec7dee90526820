// EventSourceResponse (aiohttp-sse's twin): the wire format read by a real
// client, reconnecting with Last-Event-ID, pings, no compression, and a
// client that goes away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';
import { openEventStream } from './sse-client.js';

test('events arrive with id, event, retry (in ms) and multi-line data; headers as for an event stream', async (t) => {
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    const resp = new web.EventSourceResponse();
    await resp.prepare(request);
    await resp.send('plain');
    await resp.send('line one\nline two\r\nline three', { id: 7, event: 'update', retry: 1.5 });
    await resp.send('', { event: 'empty' });
    await resp.writeEof();
    return resp;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const s = await openEventStream(client.makeUrl('/'));
  assert.equal(s.status, 200);
  assert.equal(s.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(s.headers['cache-control'], 'no-cache');
  assert.equal(s.headers['x-accel-buffering'], 'no');
  assert.equal(s.headers['content-length'], undefined);
  assert.deepEqual(await s.next(), { event: 'message', data: 'plain', id: '', retry: null });
  assert.deepEqual(await s.next(), { event: 'update', data: 'line one\nline two\nline three', id: '7', retry: 1500 });
  assert.deepEqual(await s.next(), { event: 'empty', data: '', id: '7', retry: null });
  assert.equal(await s.next(), null);
});

test('a reconnecting client sends Last-Event-ID and the stream resumes after it', async (t) => {
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    const resp = new web.EventSourceResponse();
    await resp.prepare(request);
    let id = Number(resp.lastEventId ?? 0);
    for (let i = 0; i < 3; i++) {
      id++;
      await resp.send(`n=${id}`, { id });
    }
    await resp.writeEof();
    return resp;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const first = await openEventStream(client.makeUrl('/'));
  const seen: string[] = [];
  for (let e = await first.next(); e !== null; e = await first.next()) seen.push(e.id);
  assert.deepEqual(seen, ['1', '2', '3']);
  const again = await openEventStream(client.makeUrl('/'), { 'Last-Event-ID': seen.at(-1) as string });
  assert.deepEqual((await again.next())?.data, 'n=4');
  assert.deepEqual((await again.next())?.id, '5');
});

test('ping comments every pingInterval seconds while the client is connected', async (t) => {
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    const resp = new web.EventSourceResponse({ pingInterval: 0.02 });
    await resp.prepare(request);
    await sleep(0.3);
    await resp.send('done');
    await resp.writeEof();
    return resp;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const s = await openEventStream(client.makeUrl('/'));
  assert.equal((await s.next())?.data, 'done');
  assert.ok(s.comments.length >= 1, `no ping in ${JSON.stringify(s.comments)}`);
  assert.ok(s.comments.every((c) => c === 'ping'));
});

test('never compressed: the compression middleware leaves it alone, enableCompression() is refused', async (t) => {
  const app = new web.Application({ middlewares: [web.compressionMiddleware({ threshold: 0 })] });
  app.router.addGet('/', async (request) => {
    const resp = new web.EventSourceResponse();
    await resp.prepare(request);
    await resp.send('x'.repeat(5000));
    await resp.writeEof();
    return resp;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const s = await openEventStream(client.makeUrl('/'), { 'Accept-Encoding': 'gzip, br' });
  assert.equal(s.headers['content-encoding'], undefined);
  assert.equal((await s.next())?.data, 'x'.repeat(5000));
  assert.throws(() => new web.EventSourceResponse().enableCompression(), /never compressed/);
});

test('with handlerCancellation, a client that goes away cancels the streaming handler', async (t) => {
  let resolveEnd!: (v: unknown) => void;
  const ended = new Promise((r) => (resolveEnd = r));
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    const resp = new web.EventSourceResponse();
    await resp.prepare(request);
    try {
      for (let i = 0; ; i++) {
        await resp.send(`n=${i}`, { id: i });
        await sleep(0.01);
      }
    } catch (e) {
      resolveEnd(e);
      throw e;
    }
  });
  const client = await clientFor(t, app, { accessLog: null, handlerCancellation: true });
  const s = await openEventStream(client.makeUrl('/'));
  assert.equal((await s.next())?.data, 'n=0');
  s.close();
  assert.ok((await ended) instanceof CancelledError);
});

test('without handlerCancellation, the next send() after the client left fails with ConnectionResetError; wait() returns', async (t) => {
  let resolveEnd!: (v: unknown) => void;
  const ended = new Promise((r) => (resolveEnd = r));
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    const resp = new web.EventSourceResponse();
    await resp.prepare(request);
    await resp.send('hello');
    await resp.wait();
    try {
      await resp.send('too late');
      resolveEnd('sent');
    } catch (e) {
      resolveEnd(e);
    }
    return resp;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const s = await openEventStream(client.makeUrl('/'));
  assert.equal((await s.next())?.data, 'hello');
  s.close();
  assert.ok((await ended) instanceof web.ConnectionResetError);
});

test('bad options and fields are TypeErrors', () => {
  assert.throws(() => new web.EventSourceResponse({ pingInterval: -1 }), /pingInterval/);
  assert.throws(() => new web.EventSourceResponse({ sep: '\t' as '\n' }), /sep/);
  assert.throws(() => new web.EventSourceResponse({ ping_interval: 1 } as unknown as web.EventSourceResponseOptions), /ping_interval/);
  const resp = new web.EventSourceResponse();
  assert.throws(() => resp.lastEventId, /prepare/);
});

test('send() refuses an id or event with a line break (it would start another field)', async (t) => {
  let outcome: unknown;
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    const resp = new web.EventSourceResponse();
    await resp.prepare(request);
    outcome = await Promise.allSettled([resp.send('x', { id: '1\ndata: injected' }), resp.send('x', { event: 'a\rb' })]);
    await resp.writeEof();
    return resp;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const s = await openEventStream(client.makeUrl('/'));
  assert.equal(await s.next(), null);
  const [a, b] = outcome as PromiseSettledResult<void>[];
  assert.equal(a?.status, 'rejected');
  assert.equal(b?.status, 'rejected');
});
