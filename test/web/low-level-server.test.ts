// Issue 10: aiohttp's low-level server, `web.Server(handler)` run by a
// `ServerRunner` on the usual sites: every request reaches the one handler,
// nothing is routed, and the runner's shutdown and limits apply.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CancelledError, Event, getEventLoop, sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function serve(t: TestContext, server: web.Server, options?: web.RunnerOptions): Promise<[web.ServerRunner, string]> {
  const runner = new web.ServerRunner(server, { accessLog: null, ...options });
  await runner.setup();
  t.after(() => runner.cleanup());
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  return [runner, `http://127.0.0.1:${site.port}`];
}

test('every method and path reaches the one handler, unrouted', async (t) => {
  const seen: string[] = [];
  const server = new web.Server(async (request) => {
    seen.push(`${request.method} ${request.path} ${request.queryString} route=${request.route === null ? 'null' : 'set'} ${JSON.stringify(request.matchInfo)}`);
    return new web.Response({ text: `${request.method} ${request.path}: ${await request.text()}` });
  });
  const [runner, base] = await serve(t, server);
  assert.ok(runner instanceof web.ServerRunner);
  assert.equal(runner.server, server);
  const a = await fetch(`${base}/`);
  assert.equal(await a.text(), 'GET /: ');
  const b = await fetch(`${base}/any/deep/path?x=1`, { method: 'PATCH', body: 'data' });
  assert.equal(b.status, 200);
  assert.equal(await b.text(), 'PATCH /any/deep/path: data');
  assert.deepEqual(seen, ['GET /  route=null {}', 'PATCH /any/deep/path x=1 route=null {}']);
});

test('a thrown HTTPException is its response; another error is a 500', async (t) => {
  const errors: unknown[] = [];
  const server = new web.Server(async (request) => {
    if (request.path === '/missing') throw new web.HTTPNotFound({ text: 'no' });
    throw new Error('boom');
  }, { errorLog: (_m, e) => errors.push(e) });
  const [, base] = await serve(t, server);
  const a = await fetch(`${base}/missing`);
  assert.equal(a.status, 404);
  assert.equal(await a.text(), 'no');
  const b = await fetch(`${base}/x`);
  assert.equal(b.status, 500);
  await b.text();
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, 'boom');
});

test('clientMaxSize applies to the low-level server too', async (t) => {
  const server = new web.Server(async (request) => new web.Response({ text: String((await request.read()).length) }), { clientMaxSize: 10 });
  const [, base] = await serve(t, server);
  const ok = await fetch(base, { method: 'POST', body: '0123456789' });
  assert.equal(await ok.text(), '10');
  const big = await fetch(base, { method: 'POST', body: '0123456789X' });
  assert.equal(big.status, 413);
  await big.text();
});

test('cleanup() cancels a handler still running at shutdownTimeout, as AppRunner does', async (t) => {
  const started = new Event();
  let cancelled = false;
  const server = new web.Server(async () => {
    started.set();
    try {
      await sleep(60);
    } catch (e) {
      cancelled = e instanceof CancelledError;
      throw e;
    }
    return new web.Response();
  });
  const [runner, base] = await serve(t, server, { shutdownTimeout: 0.05 });
  const pending = fetch(base).catch((e: unknown) => e);
  await started.wait();
  await runner.cleanup();
  assert.equal(cancelled, true);
  assert.ok(await pending instanceof Error);
});

test('loop.createServer(server, host, port), as aiohttp\'s lowlevel_srv example', async () => {
  const server = new web.Server(async () => new web.Response({ text: 'OK' }), { accessLog: null });
  const srv = await getEventLoop().createServer(server, '127.0.0.1', 0);
  try {
    const r = await fetch(`http://127.0.0.1:${srv.port}/whatever`);
    assert.equal(await r.text(), 'OK');
  } finally {
    await srv.close();
  }
});

test('Server() and ServerRunner() refuse what is not a handler or a Server', () => {
  assert.throws(() => new web.Server('nope' as never), /Server\(\): handler must be a function/);
  assert.throws(() => new web.Server(async () => new web.Response(), { clientMaxSize: -1 }), RangeError);
  assert.throws(() => new web.ServerRunner(new web.Application() as never), /ServerRunner\(\): server must be a web.Server/);
});

test('examples/lowlevel_srv.ts answers OK on any path, then exits 0 on SIGINT', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/lowlevel_srv.ts'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /Serving on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
      if (m !== null) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
  });
  const r = await fetch(`http://127.0.0.1:${port}/some/path`);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'OK');
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const [code, signal] = await exited as [number | null, string | null];
  assert.equal(signal, null);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  assert.match(stdout, /"GET \/some\/path HTTP\/1\.1" 200 2 /);
});
