// Shutdown with nothing lost (issue 15): aiohttp's and Fastify's shutdown
// cases, ported as fates to assert, plus the accept-queue burst.
//
// | upstream case | where aiots tests it |
// |---|---|
// | aiohttp tests/test_run_app.py::TestShutdown::test_shutdown_wait_for_handler | test/web/shutdown.test.ts "in-flight requests complete, idle connections close, new ones are refused" |
// | aiohttp ::test_shutdown_timeout_handler | test/web/shutdown.test.ts "past shutdownTimeout the handlers left are cancelled, their finally blocks run, cleanup still runs" |
// | aiohttp ::test_shutdown_timeout_not_reached | test/web/shutdown.test.ts "in-flight requests complete, ..." (shutdownTimeout 60 s; cleanup returns when the handler is done) |
// | aiohttp ::test_shutdown_new_conn_rejected | here: "a new connection once the accept queue is drained is refused while a handler still runs" |
// | aiohttp ::test_shutdown_pending_handler_responds | test/web/shutdown.test.ts "a request on a busy keep-alive connection during shutdown is answered with Connection: close" |
// | aiohttp ::test_shutdown_close_idle_keepalive | test/web/shutdown.test.ts "in-flight requests complete, idle connections close, ..." (the idle connection's close is awaited; deliberate difference: closed once in-flight handlers are done, not at once, docs/lifecycle.md) |
// | aiohttp ::test_shutdown_close_websockets | test/web/websocket-shutdown.test.ts "1,000 open WebSockets: every one gets 1001 at the start of shutdown and every handler finishes" |
// | aiohttp ::test_shutdown_handler_cancellation_suppressed | here: "a handler that suppresses its cancellation (handlerCancellation) is still waited for" |
// | (the accept-queue drain, no test upstream) | here: "handlers started while the accept queue drains are bound by the same deadline" |
// | (aiohttp's _drain grace, no test upstream) | here: "a handler that swallows the deadline's cancellation does not hold the shutdown forever" |
// | Fastify test/close.test.js "Current opened connection should NOT continue to work after closing and return "connection: close" header" | here: "the in-flight response says Connection: close; a request written after it on that connection is not answered" (deliberate difference: Fastify's says keep-alive, docs/lifecycle.md) |
// | Fastify close.test.js "Current opened connection should not accept new incoming connections" (503) | here: "connections still in the accept queue when shutdown begins are accepted and served" and "a request that crosses the shutdown on an idle keep-alive connection is answered" (deliberate difference: served with Connection: close, not 503, docs/lifecycle.md) |
// | Fastify close.test.js "rejected incoming connections should be logged" | here: "connections still in the accept queue ..." (their answers are in the access log) |
// | Fastify close.test.js "shutsdown while keep-alive connections are active" (forceCloseConnections) | test/web/shutdown.test.ts "in-flight requests complete, idle connections close, ..." |
// | Fastify close.test.js "does not destroy connections with in-flight requests" (default and idle) | here: "in-flight requests are never destroyed before the deadline, even when a handler starts the shutdown" |
// | Fastify test/close-pipelining.test.js "Should return 503 while closing - pipelining" and "Should close the socket abruptly - pipelining" | test/web/pipelining.test.ts "at shutdown, pipelined requests not yet started are not run: the connection closes after the current answer" (deliberate difference: no 503 for them, docs/lifecycle.md) |
// | the burst: connections in the kernel's accept queue at SIGTERM | here: "runApp: connections queued while the process is busy, then SIGTERM: every client is answered, none is reset" (bench/stress/shutdown-burst.ts for 1,000 to 20,000) |
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CancelledError, Event, sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { openSocket, rawRequest, statusOf, tryConnect } from '../web/helpers.js';

async function serve(app: web.Application, options?: web.RunnerOptions): Promise<{ runner: web.AppRunner; port: number }> {
  const runner = new web.AppRunner(app, { accessLog: null, ...options });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  return { runner, port: site.port };
}

test('connections still in the accept queue when shutdown begins are accepted and served, with Connection: close, and logged', async () => {
  const lines: string[] = [];
  const entered = new Event();
  const release = new Event();
  const app = new web.Application();
  app.router.addGet('/slow', async () => {
    entered.set();
    await release.wait();
    return new web.Response({ text: 'slow done' });
  });
  app.router.addGet('/fast', async () => new web.Response({ text: 'fast' }));
  const { runner, port } = await serve(app, { accessLog: (line) => void lines.push(line), accessLogFormat: '%s %r' });
  const inflight = rawRequest(port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', { until: /slow done$/ });
  await entered.wait();
  // Connected and written in the same turn as cleanup() begins: the server
  // has not accepted them yet, they wait in the kernel's queue.
  const queued = Array.from({ length: 20 }, () => rawRequest(port, 'GET /fast HTTP/1.1\r\nHost: x\r\n\r\n'));
  const cleaning = runner.cleanup();
  const answers = await Promise.all(queued);
  release.set();
  const slow = await inflight;
  await cleaning;
  assert.deepEqual(answers.map(statusOf), answers.map(() => 200), answers.find((a) => statusOf(a) !== 200));
  for (const a of answers) assert.match(a, /\r\nConnection: close\r\n[^]*fast$/i);
  assert.equal(statusOf(slow), 200);
  assert.match(slow, /\r\nConnection: close\r\n/i);
  // Each is in the access log (Fastify logs the ones it refuses too).
  assert.equal(lines.filter((l) => l === '200 GET /fast HTTP/1.1').length, 20, lines.join('\n'));
  assert.equal(lines.filter((l) => l === '200 GET /slow HTTP/1.1').length, 1);
});

test('handlers started while the accept queue drains are bound by the same deadline: cancelled before onCleanup', async () => {
  const events: string[] = [];
  let started = 0;
  const app = new web.Application();
  app.router.addGet('/stuck', async () => {
    started++;
    try {
      await sleep(3600);
    } catch (e) {
      if (e instanceof CancelledError) events.push('cancelled');
      throw e;
    }
    return new web.Response({ text: 'never' });
  });
  app.onCleanup.push(async () => void events.push('cleanup'));
  const { runner, port } = await serve(app, { shutdownTimeout: 0.3 });
  const queued = Array.from({ length: 5 }, () => rawRequest(port, 'GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n'));
  await runner.cleanup();
  const answers = await Promise.all(queued);
  assert.equal(started, 5);
  assert.deepEqual(events, ['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled', 'cleanup']);
  // Cancelled by the deadline: nobody gets a made-up answer, the connection closes.
  assert.deepEqual(answers, ['', '', '', '', '']);
});

test('a new connection once the accept queue is drained is refused while a handler still runs; the handler then answers', async () => {
  const entered = new Event();
  const release = new Event();
  let finished = false;
  const app = new web.Application();
  app.router.addGet('/', async () => {
    entered.set();
    await release.wait();
    finished = true;
    return new web.Response({ text: 'FOO' });
  });
  app.router.addGet('/fast', async () => new web.Response({ text: 'fast' }));
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const port = site.port;
  // An idle keep-alive connection: kept until the handlers are done.
  const idle = await openSocket(port);
  idle.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(idle, 'data');
  let idleClosed = false;
  idle.on('close', () => void (idleClosed = true));
  const inflight = rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { until: /FOO$/ });
  await entered.wait();
  const cleaning = runner.cleanup();
  await site._drained();
  assert.equal(await tryConnect(port), 'ECONNREFUSED');
  assert.equal(finished, false);
  assert.equal(idleClosed, false, 'the idle keep-alive connection is kept while a handler runs');
  release.set();
  const raw = await inflight;
  await cleaning;
  assert.equal(statusOf(raw), 200);
  assert.match(raw, /FOO$/);
  assert.ok(finished);
  if (!idle.destroyed) await once(idle, 'close');
  assert.ok(idle.destroyed || idleClosed, 'closed once the handlers are done');
});

test('a request that crosses the shutdown on an idle keep-alive connection is answered, not met by a closed socket', async () => {
  const app = new web.Application();
  app.router.addGet('/', async () => new web.Response({ text: 'ok' }));
  const { runner, port } = await serve(app);
  const sock = await openSocket(port);
  let raw = '';
  sock.on('data', (d: Buffer) => (raw += d.toString('latin1')));
  sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  while (!raw.endsWith('ok')) await sleep(0.005);
  raw = '';
  const closed = once(sock, 'close');
  const cleaning = runner.cleanup();
  // Written as the shutdown begins: the server reads it before it closes idle connections.
  sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await closed;
  await cleaning;
  assert.equal(statusOf(raw), 200, raw);
  assert.match(raw, /\r\nConnection: close\r\n[^]*ok$/i);
});

test('the in-flight response says Connection: close; a request written after it on that connection is not answered', async () => {
  const entered = new Event();
  const release = new Event();
  let runs = 0;
  const app = new web.Application();
  app.router.addGet('/', async () => {
    runs++;
    entered.set();
    await release.wait();
    return new web.Response({ text: 'one' });
  });
  const { runner, port } = await serve(app);
  const sock = await openSocket(port);
  sock.on('error', () => {});
  let raw = '';
  sock.on('data', (d: Buffer) => {
    raw += d.toString('latin1');
    // The client does not heed the Connection: close and asks again.
    if (raw.endsWith('one')) sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  const closed = once(sock, 'close');
  sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await entered.wait();
  const cleaning = runner.cleanup();
  release.set();
  await closed;
  await cleaning;
  assert.equal(statusOf(raw), 200);
  assert.match(raw, /\r\nConnection: close\r\n/i);
  assert.ok(raw.endsWith('one'), raw);
  assert.equal(raw.match(/HTTP\/1\.1 /g)?.length, 1);
  assert.equal(runs, 1);
});

test('in-flight requests are never destroyed before the deadline, even when a handler starts the shutdown', async () => {
  const N = 20;
  const CHUNKS = 20;
  let cleaning: Promise<void> | undefined;
  let arrived = 0;
  const ready = new Event();
  const shuttingDown = new Event();
  const app = new web.Application();
  app.onShutdown.push(async () => shuttingDown.set());
  app.router.addGet('/close', async () => {
    // Fastify's case: the handler itself closes the server, then works on.
    // (Requests come only once `served` is set.)
    cleaning = served.runner.cleanup();
    await sleep(0.2);
    return web.jsonResponse({ hello: 'world' });
  });
  const arrive = (): void => {
    if (++arrived === N + 1) ready.set();
  };
  app.router.addGet('/wait', async () => {
    arrive();
    await shuttingDown.wait();
    await sleep(0.05);
    return new web.Response({ text: 'waited' });
  });
  app.router.addGet('/stream', async (request) => {
    const resp = new web.StreamResponse();
    await resp.prepare(request);
    await resp.write('chunk 0\n');
    arrive();
    // The rest is written after the shutdown began.
    await shuttingDown.wait();
    for (let i = 1; i < CHUNKS; i++) {
      await resp.write(`chunk ${i}\n`);
      await sleep(0.01);
    }
    await resp.writeEof();
    return resp;
  });
  const served = await serve(app, { shutdownTimeout: 30 });
  const port = served.port;
  const waits = Array.from({ length: N }, () => rawRequest(port, 'GET /wait HTTP/1.1\r\nHost: x\r\n\r\n', { until: /waited$/ }));
  const stream = rawRequest(port, 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n', { until: /\r\n0\r\n\r\n$/ });
  await ready.wait();
  const closer = await rawRequest(port, 'GET /close HTTP/1.1\r\nHost: x\r\n\r\n', { until: /\}$/ });
  const answers = await Promise.all(waits);
  const streamed = await stream;
  assert.ok(cleaning !== undefined);
  await cleaning;
  assert.ok(shuttingDown.isSet());
  assert.equal(statusOf(closer), 200);
  assert.match(closer, /\{"hello":"world"\}$/);
  assert.deepEqual(answers.map(statusOf), answers.map(() => 200));
  for (const a of answers) assert.match(a, /waited$/);
  assert.equal(statusOf(streamed), 200);
  for (let i = 0; i < CHUNKS; i++) assert.ok(streamed.includes(`chunk ${i}\n`), `chunk ${i} missing`);
});

test('a handler that suppresses its cancellation (handlerCancellation) is still waited for before onCleanup', async () => {
  const events: string[] = [];
  const entered = new Event();
  const suppressed = new Event();
  const app = new web.Application();
  app.router.addGet('/', async () => {
    entered.set();
    try {
      await sleep(3600);
    } catch (e) {
      assert.ok(e instanceof CancelledError);
      events.push('SUPPRESSED');
      suppressed.set();
      // aiohttp's case: the handler goes on working after the client left.
      await sleep(0.2);
      events.push('DONE');
    }
    return new web.Response({ text: 'FOO' });
  });
  app.onShutdown.push(async () => void events.push('STOPPING'));
  app.onCleanup.push(async () => void events.push('CLEANUP'));
  const { runner, port } = await serve(app, { handlerCancellation: true, shutdownTimeout: 30 });
  const sock = await openSocket(port);
  sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await entered.wait();
  sock.destroy();
  await suppressed.wait();
  await runner.cleanup();
  assert.deepEqual(events, ['SUPPRESSED', 'STOPPING', 'DONE', 'CLEANUP']);
});

test('a handler that swallows the deadline\'s cancellation does not hold the shutdown forever', async () => {
  const entered = new Event();
  const never = new Event();
  let swallowed = false;
  let cleaned = false;
  const app = new web.Application();
  app.router.addGet('/', async () => {
    entered.set();
    try {
      await sleep(3600);
    } catch {
      swallowed = true;
      // Waits on something that never comes, deaf to any further cancel.
      await never.wait().catch(() => never.wait().catch(() => undefined));
    }
    return new web.Response({ text: 'never sent' });
  });
  app.onCleanup.push(async () => void (cleaned = true));
  const { runner, port } = await serve(app, { shutdownTimeout: 0.05 });
  const sock = await openSocket(port);
  sock.on('error', () => {});
  sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await entered.wait();
  await runner.cleanup();
  sock.destroy();
  assert.ok(swallowed);
  assert.ok(cleaned);
});

test('runApp: connections queued while the process is busy, then SIGTERM: every client is answered, none is reset', { timeout: 60_000 }, async (t) => {
  const N = 200;
  const dir = mkdtempSync(join(tmpdir(), 'aiots-burst-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flag = join(dir, 'go');
  const file = join(dir, 'server.mts');
  writeFileSync(file, `import { existsSync } from 'node:fs';
import * as web from ${JSON.stringify(fileURLToPath(new URL('../../src/web/index.ts', import.meta.url)))};
const app = new web.Application();
app.router.addGet('/', async () => new web.Response({ text: 'ok' }));
app.router.addGet('/block', async () => {
  // Busy, as a loaded server is: nothing is accepted until the test says so
  // (a pipe to the parent is written synchronously).
  process.stdout.write('blocking\\n');
  const end = Date.now() + 30_000;
  while (!existsSync(${JSON.stringify(flag)}) && Date.now() < end);
  return new web.Response({ text: 'unblocked' });
});
web.runApp(app, { host: '127.0.0.1', port: 0, accessLog: null });
`);
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const waitOut = (re: RegExp): Promise<RegExpExecArray> => new Promise((resolve, reject) => {
    const check = (): void => {
      const m = re.exec(out);
      if (m !== null) {
        child.stdout.off('data', onData);
        resolve(m);
      }
    };
    const onData = (d: Buffer): void => {
      out += d.toString();
      check();
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error(`server exited: ${err}`)));
    check();
  });
  const port = Number((await waitOut(/Running on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  const blocker = rawRequest(port, 'GET /block HTTP/1.1\r\nHost: x\r\n\r\n', { until: /unblocked$/ });
  await waitOut(/blocking/);
  // The handshakes are the kernel's: they complete while the server's loop is stuck.
  const sockets: Socket[] = [];
  const answers = Array.from({ length: N }, () => new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    let raw = '';
    s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      if (/\r\n\r\nok$/.test(raw)) s.destroy();
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? ''} after ${raw.length} bytes`));
    s.on('close', () => resolve(raw));
  }));
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  await Promise.all(sockets.map((s) => (s.connecting ? once(s, 'connect') : Promise.resolve())));
  child.kill('SIGTERM');
  writeFileSync(flag, '');
  const raws = await Promise.all(answers);
  const [code] = await exited;
  const statuses = raws.map(statusOf);
  const lost = raws.filter((r) => statusOf(r) === 0);
  assert.deepEqual(lost, [], `${lost.length} of ${N} got no status line`);
  // Sent before SIGTERM, so served: they were as good as in flight.
  assert.ok(statuses.every((s) => s === 200), [...new Set(statuses)].join(','));
  assert.equal(statusOf(await blocker), 200);
  assert.equal(code, 0);
  assert.equal(err, '');
  assert.ok(existsSync(flag));
});
