import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getEventLoop } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

test('AppKey state is typed and frozen once the app starts', async (t) => {
  const countKey = new web.AppKey<number>('count');
  const nameKey = new web.AppKey<string>('name');
  const app = new web.Application();
  app.set(countKey, 3);
  const n: number = app.get(countKey);
  assert.equal(n, 3);
  assert.equal(app.getOr(nameKey, null), null);
  assert.throws(() => app.get(nameKey), /no value for <AppKey\(name\)>/);
  app.router.addGet('/', async (r) => new web.Response({ text: String(r.app.get(countKey)) }));
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/')).text(), '3');
  assert.ok(app.frozen);
  assert.throws(() => app.set(countKey, 4), /state is frozen/);
  assert.throws(() => app.onStartup.push(async () => {}), /cannot change the signal/);
});

test('startup, shutdown, cleanup and cleanupCtx run in aiohttp order, sub-apps included', async () => {
  const events: string[] = [];
  const sub = new web.Application();
  sub.onStartup.push(async () => void events.push('sub startup'));
  sub.onCleanup.push(async () => void events.push('sub cleanup'));
  const app = new web.Application();
  app.cleanupCtx.push(async function* ctxA() {
    events.push('ctxA up');
    yield;
    events.push('ctxA down');
  }, async function* ctxB() {
    events.push('ctxB up');
    yield;
    events.push('ctxB down');
  });
  app.onStartup.push(async () => void events.push('startup'));
  app.onShutdown.push(async () => void events.push('shutdown'));
  app.onCleanup.push(async () => void events.push('cleanup'));
  app.addSubapp('/sub', sub);
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  assert.ok(site.port > 0);
  assert.equal(site.name, `http://127.0.0.1:${site.port}`);
  await runner.cleanup();
  assert.deepEqual(events, ['ctxA up', 'ctxB up', 'startup', 'sub startup', 'shutdown', 'ctxB down', 'ctxA down', 'cleanup', 'sub cleanup']);
});

test('the seed old style: loop.createServer(app.makeHandler(), host, port)', async () => {
  const app = new web.Application();
  app.router.addRoute('GET', '/hello/{name}', async (r) => new web.Response({ text: `hello, ${r.matchInfo.name}` }));
  const loop = getEventLoop();
  const srv = await loop.createServer(app.makeHandler({ accessLog: null }), '127.0.0.1', 0);
  try {
    const res = await fetch(`http://127.0.0.1:${srv.port}/hello/seed`);
    assert.equal(await res.text(), 'hello, seed');
  } finally {
    await srv.close();
  }
});

test('middlewares run in onion order, sub-app middlewares inside the parent ones, 404 included', async (t) => {
  const trace: string[] = [];
  const mw = (name: string): web.Middleware => web.middleware(async (request, handler) => {
    trace.push(`${name}>`);
    try {
      return await handler(request);
    } finally {
      trace.push(`<${name}`);
    }
  });
  const sub = new web.Application({ middlewares: [mw('s')] });
  sub.router.addGet('/x', async () => {
    trace.push('handler');
    return new web.Response({ text: 'x' });
  });
  const app = new web.Application({ middlewares: [mw('a'), mw('b')] });
  app.router.addGet('/', async () => new web.Response({ text: 'root' }));
  app.addSubapp('/sub', sub);
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/sub/x')).text(), 'x');
  assert.deepEqual(trace, ['a>', 'b>', 's>', 'handler', '<s', '<b', '<a']);
  trace.length = 0;
  assert.equal((await client.get('/missing')).status, 404);
  assert.deepEqual(trace, ['a>', 'b>', '<b', '<a']);
});

test('a middleware can catch HTTPException and replace the response', async (t) => {
  const errors = web.middleware(async (request, handler) => {
    try {
      return await handler(request);
    } catch (e) {
      if (e instanceof web.HTTPNotFound) return web.jsonResponse({ error: 'not found', path: request.path }, { status: 404 });
      throw e;
    }
  });
  const app = new web.Application({ middlewares: [errors] });
  const client = await clientFor(t, app);
  const res = await client.get('/nope');
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { error: 'not found', path: '/nope' });
});

test('normalizePathMiddleware redirects to the path that exists', async (t) => {
  const app = new web.Application({ middlewares: [web.normalizePathMiddleware()] });
  app.router.addGet('/a/b/', async () => new web.Response({ text: 'ab' }));
  app.router.addGet('/c', async () => new web.Response({ text: 'c' }));
  const client = await clientFor(t, app);
  const cases: [string, number, string | null][] = [
    ['/a/b', 308, '/a/b/'],
    ['/a//b/', 308, '/a/b/'],
    ['/a//b?x=1', 308, '/a/b/?x=1'],
    ['/c', 200, null],
    ['/nothing', 404, null],
  ];
  for (const [path, status, location] of cases) {
    const res = await client.get(path, { allowRedirects: false });
    assert.equal(res.status, status, path);
    assert.equal(res.headers.get('location'), location, path);
  }
  const remove = new web.Application({ middlewares: [web.normalizePathMiddleware({ appendSlash: false, removeSlash: true })] });
  remove.router.addGet('/d', async () => new web.Response({ text: 'd' }));
  const c2 = await clientFor(t, remove);
  assert.equal((await c2.get('/d/', { allowRedirects: false })).headers.get('location'), '/d');
  assert.throws(() => web.normalizePathMiddleware({ appendSlash: true, removeSlash: true }), /cannot both be true/);
});

test('argument checks name the function and the value', () => {
  assert.throws(() => new web.Application({ clientMaxSize: -1 }), /Application\(\): clientMaxSize must be >= 0, got -1/);
  assert.throws(() => new web.Application({ middlewares: [42 as never] }), /each middleware must be a function, got number 42/);
  assert.throws(() => new web.AppRunner({} as never), /AppRunner\(\): app must be an Application/);
  const app = new web.Application();
  assert.throws(() => app.addSubapp('nope', new web.Application()), /prefix must be a path like "\/admin", got string "nope"/);
  assert.throws(() => new web.TCPSite(new web.AppRunner(app), '127.0.0.1', 70000), /port must be <= 65535/);
  assert.throws(() => new web.AppRunner(app, { shutdownTimeout: 'x' as never }), /shutdownTimeout must be a number of seconds/);
});
