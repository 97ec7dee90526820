import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getEventLoop } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { clientFor, openSocket, statusOf } from './helpers.js';

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

test('startup code stores what it opens (aiohttp\'s cleanup_ctx pattern); the state freezes after onStartup', async (t) => {
  const dbKey = new web.AppKey<{ open: boolean }>('db');
  const cacheKey = new web.AppKey<string>('cache');
  const sub = new web.Application();
  sub.onStartup.push(async (a) => a.set(cacheKey, 'sub cache'));
  const app = new web.Application();
  app.cleanupCtx.push(async function* (a) {
    const db = { open: true };
    a.set(dbKey, db);
    yield;
    db.open = false;
  });
  app.onStartup.push(async (a) => {
    assert.ok(a.frozen, 'routes are fixed before onStartup');
    assert.throws(() => a.router.addGet('/late', async () => new web.Response()), /frozen router/);
    a.set(cacheKey, 'root cache');
  });
  app.router.addGet('/', async (r) => new web.Response({ text: `${r.app.get(dbKey).open} ${r.app.get(cacheKey)}` }));
  sub.router.addGet('/', async (r) => new web.Response({ text: r.app.get(cacheKey) }));
  app.addSubapp('/sub', sub);
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/')).text(), 'true root cache');
  assert.equal(await (await client.get('/sub/')).text(), 'sub cache');
  assert.throws(() => app.set(cacheKey, 'x'), /state is frozen/);
  assert.throws(() => sub.delete(cacheKey), /state is frozen/);
  const db = app.get(dbKey);
  await client.close();
  assert.equal(db.open, false);
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

test('normalizePathMiddleware in the root app also fixes paths into a sub-application', async (t) => {
  const admin = new web.Application();
  admin.router.addGet('/users/', async () => new web.Response({ text: 'users' }));
  const app = new web.Application({ middlewares: [web.normalizePathMiddleware()] });
  app.addSubapp('/admin', admin);
  const client = await clientFor(t, app);
  for (const [path, location] of [['/admin/users', '/admin/users/'], ['/admin//users/', '/admin/users/'], ['//admin/users?x=1', '/admin/users/?x=1']] as const) {
    const res = await client.get(path, { allowRedirects: false });
    assert.equal(res.status, 308, path);
    assert.equal(res.headers.get('location'), location, path);
  }
  assert.equal(await (await client.get('/admin/users')).text(), 'users');
});

test('a sub-application has its own state, frozen with its parent', async (t) => {
  const key = new web.AppKey<string>('who');
  const sub = new web.Application();
  sub.set(key, 'sub');
  sub.router.addGet('/who', async (r) => new web.Response({ text: r.app.get(key) }));
  const app = new web.Application();
  app.set(key, 'root');
  app.router.addGet('/who', async (r) => new web.Response({ text: r.app.get(key) }));
  app.addSubapp('/sub', sub);
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/who')).text(), 'root');
  assert.equal(await (await client.get('/sub/who')).text(), 'sub');
  assert.ok(sub.frozen);
  assert.throws(() => sub.set(key, 'changed'), /state is frozen/);
  assert.throws(() => app.addSubapp('/late', new web.Application()), /once the app has started/);
});

test('handlerArgs give the runner its defaults; the runner\'s own options win', async () => {
  const lines: string[] = [];
  for (const options of [undefined, { accessLog: null }]) {
    const app = new web.Application({ handlerArgs: { accessLog: (l) => lines.push(l) } });
    app.router.addGet('/', async () => new web.Response({ text: 'x' }));
    const runner = new web.AppRunner(app, options);
    await runner.setup();
    const site = new web.TCPSite(runner, '127.0.0.1', 0);
    await site.start();
    try {
      assert.equal(await (await fetch(`http://127.0.0.1:${site.port}/`)).text(), 'x');
    } finally {
      await runner.cleanup();
    }
  }
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /"GET \/ HTTP\/1\.1" 200 1 /);
});

test('a failed startup: cleanup contexts that started are closed, onShutdown is skipped, no site can start', async () => {
  const events: string[] = [];
  const app = new web.Application();
  app.cleanupCtx.push(async function* db() {
    events.push('db up');
    yield;
    events.push('db down');
  });
  app.onStartup.push(async () => {
    throw new Error('no config');
  });
  app.onShutdown.push(async () => void events.push('shutdown'));
  app.onCleanup.push(async () => void events.push('cleanup'));
  const runner = new web.AppRunner(app, { accessLog: null });
  await assert.rejects(runner.setup(), /no config/);
  await assert.rejects(new web.TCPSite(runner, '127.0.0.1', 0).start(), /setup\(\) failed/);
  await runner.cleanup();
  assert.deepEqual(events, ['db up', 'db down', 'cleanup']);
});

test('UnixSite serves on a socket path; site.stop() stops that site only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-unix-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'app.sock');
  const app = new web.Application();
  app.router.addGet('/', async (r) => new web.Response({ text: `hi ${r.remote ?? 'unix'}` }));
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  t.after(() => runner.cleanup());
  const unix = new web.UnixSite(runner, path);
  const tcp = new web.TCPSite(runner, '127.0.0.1', 0);
  await unix.start();
  await tcp.start();
  assert.equal(unix.name, `http://unix:${path}:`);
  assert.equal(unix.address, path);
  assert.equal(runner.sites.size, 2);
  const viaSocket = (): Promise<string> => new Promise((resolve, reject) => {
    request({ socketPath: path, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
  assert.equal(await viaSocket(), 'hi unix');
  await unix.stop();
  assert.equal(runner.sites.size, 1);
  await assert.rejects(viaSocket(), /ENOENT|ECONNREFUSED/);
  assert.equal(await (await fetch(`http://127.0.0.1:${tcp.port}/`)).text(), 'hi 127.0.0.1');
});

test('keepaliveTimeout closes an idle keep-alive connection', async () => {
  const app = new web.Application();
  app.router.addGet('/', async () => new web.Response({ text: 'x' }));
  const runner = new web.AppRunner(app, { accessLog: null, keepaliveTimeout: 0.1 });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  try {
    const sock = await openSocket(site.port);
    const closed = once(sock, 'close');
    let out = '';
    sock.on('data', (d: Buffer) => (out += d.toString()));
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    // The server, not the client, ends the connection once it has been idle for keepaliveTimeout.
    await closed;
    assert.equal(statusOf(out), 200);
    assert.match(out, /x$/);
  } finally {
    await runner.cleanup();
  }
});

test('request.app is the app whose middleware or handler runs, as in aiohttp', async (t) => {
  const seen: string[] = [];
  const names = new Map<web.Application, string>();
  const tag = (where: string): web.Middleware => web.middleware(async (request, handler) => {
    seen.push(`${where} in: ${names.get(request.app)}`);
    const resp = await handler(request);
    seen.push(`${where} out: ${names.get(request.app)}`);
    return resp;
  });
  const root = new web.Application({ middlewares: [tag('root')] });
  const mid = new web.Application();
  const leaf = new web.Application({ middlewares: [tag('leaf')] });
  names.set(root, 'root').set(mid, 'mid').set(leaf, 'leaf');
  root.router.addGet('/', async (r) => new web.Response({ text: names.get(r.app)! }));
  mid.router.addGet('/x', async (r) => new web.Response({ text: names.get(r.app)! }));
  leaf.router.addGet('/y', async (r) => new web.Response({ text: names.get(r.app)! }));
  mid.addSubapp('/leaf', leaf);
  root.addSubapp('/mid', mid);
  const client = await clientFor(t, root);
  assert.equal(await (await client.get('/')).text(), 'root');
  assert.deepEqual(seen.splice(0), ['root in: root', 'root out: root']);
  assert.equal(await (await client.get('/mid/x')).text(), 'mid');
  assert.deepEqual(seen.splice(0), ['root in: root', 'root out: root']);
  assert.equal(await (await client.get('/mid/leaf/y')).text(), 'leaf');
  assert.deepEqual(seen.splice(0), ['root in: root', 'leaf in: leaf', 'leaf out: leaf', 'root out: root']);
  // A 404 inside the sub-application goes through the same layers.
  assert.equal((await client.get('/mid/leaf/nope')).status, 404);
  assert.deepEqual(seen.splice(0), ['root in: root', 'leaf in: leaf']);
});
