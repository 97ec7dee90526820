// TraceConfig: the hooks of each step, enough to time one request, with the
// time spent waiting for a pool slot apart from the time spent connecting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientConnectorError, TCPConnector, TraceConfig } from '../../src/client/index.js';
import { getEventLoop, sleep } from '../../src/index.js';
import { closedPort, serve, session } from './helpers.js';

test('a request waiting for a pool slot sees queued start/end with its own context; connection creation is apart', async (t) => {
  let finish!: () => void;
  const paths: string[] = [];
  const { url } = await serve(t, (req, res) => {
    paths.push(req.url ?? '');
    if (req.url === '/slow') finish = () => res.end('slow');
    else res.end('fast');
  });
  const tc = new TraceConfig();
  const log: string[] = [];
  tc.onConnectionQueuedStart.push((_s, ctx) => { log.push(`queued-start ${String(ctx.traceRequestCtx)}`); ctx.queuedAt = performance.now(); });
  tc.onConnectionQueuedEnd.push((_s, ctx) => { log.push(`queued-end ${String(ctx.traceRequestCtx)}`); ctx.poolWait = performance.now() - (ctx.queuedAt as number); });
  tc.onConnectionCreateStart.push(() => { log.push('create-start'); });
  tc.onConnectionCreateEnd.push(() => { log.push('create-end'); });
  const waits: unknown[] = [];
  tc.onRequestEnd.push((_s, ctx) => { waits.push(ctx.poolWait); });
  const s = session(t, { connector: new TCPConnector({ limit: 1 }), traceConfigs: [tc] });
  const slow = s.get(`${url}/slow`, { traceRequestCtx: 'slow' });
  while (paths.length === 0) await sleep(0.01);
  const fast = s.get(`${url}/fast`, { traceRequestCtx: 'fast' });
  await sleep(0.01);
  finish();
  assert.equal(await (await slow).text(), 'slow');
  assert.equal(await (await fast).text(), 'fast');
  assert.deepEqual(log, ['create-start', 'create-end', 'queued-start fast', 'queued-end fast']);
  assert.equal(waits[0], undefined, 'the first request never waited');
  assert.equal(typeof waits[1], 'number');
});

test('redirect, exception and chunk hooks; traceConfigCtxFactory makes each request\'s context', async (t) => {
  const { url } = await serve(t, (req, res) => {
    if (req.url === '/from') res.writeHead(302, { location: '/to' }).end();
    else {
      res.write('a');
      setImmediate(() => res.end('b'));
    }
  });
  const tc = new TraceConfig({ traceConfigCtxFactory: (c) => ({ given: c }) });
  const log: string[] = [];
  const chunks: string[] = [];
  tc.onRequestStart.push((_s, ctx, p) => { log.push(`start[${String(ctx.given)}] ${p.method} ${p.url.pathname}`); });
  tc.onRequestRedirect.push((_s, ctx, p) => { log.push(`redirect[${String(ctx.given)}] ${p.response.status}`); });
  tc.onRequestEnd.push((_s, ctx, p) => { log.push(`end[${String(ctx.given)}] ${p.url.pathname} ${p.response.status}`); });
  tc.onResponseChunkReceived.push((_s, ctx, p) => { chunks.push(`${String(ctx.given)} ${p.chunk.toString()}`); });
  tc.onRequestException.push((_s, ctx, p) => { log.push(`exception[${String(ctx.given)}] ${(p.exception as Error).name}`); });
  const s = session(t, { traceConfigs: [tc] });
  assert.equal(await (await s.get(`${url}/from`, { traceRequestCtx: 'r1' })).text(), 'ab');
  const port = await closedPort();
  await assert.rejects(s.get(`http://127.0.0.1:${port}/`, { traceRequestCtx: 'r2' }), ClientConnectorError);
  // As aiohttp: one start and one end per request (its context kept across the hops), a redirect hook per hop.
  assert.deepEqual(log, [
    'start[r1] GET /from', 'redirect[r1] 302', 'end[r1] /to 200',
    'start[r2] GET /', 'exception[r2] ClientConnectorError',
  ]);
  assert.deepEqual(chunks, ['r1 a', 'r1 b']);
  // raiseForStatus turns the end into an exception, as aiohttp.
  log.length = 0;
  await assert.rejects(s.get(`${url}/from`, { traceRequestCtx: 'r3', raiseForStatus: (r) => { if (r.status === 200) throw new Error('refused by the caller'); } }), /refused by the caller/);
  assert.deepEqual(log, ['start[r3] GET /from', 'redirect[r3] 302', 'exception[r3] Error']);
});

test('a hook that throws fails the request for request hooks, and is only reported for I/O hooks', async (t) => {
  const { url } = await serve(t, (_req, res) => res.end('ok'));
  const failing = new TraceConfig();
  failing.onRequestStart.push(() => {
    throw new Error('hook broke');
  });
  await assert.rejects(session(t, { traceConfigs: [failing] }).get(url), /hook broke/);
  const quiet = new TraceConfig();
  quiet.onResponseChunkReceived.push(() => {
    throw new Error('chunk hook broke');
  });
  const reported: string[] = [];
  const loop = getEventLoop();
  const previous = loop.getExceptionHandler();
  loop.setExceptionHandler((ctx) => void reported.push(`${ctx.message}: ${(ctx.exception as Error).message}`));
  t.after(() => loop.setExceptionHandler(previous));
  assert.equal(await (await session(t, { traceConfigs: [quiet] }).get(url)).text(), 'ok');
  await sleep(0.01);
  assert.deepEqual(reported, ['TraceConfig.onResponseChunkReceived hook failed: chunk hook broke']);
});

test('TraceConfig<C>: the context type comes from traceConfigCtxFactory, or is given when the default context fits it', async (t) => {
  const { url } = await serve(t, (_req, res) => res.end('ok'));
  // Inferred from the factory: hooks read ctx.t0 as a number, no cast, no index signature.
  const timed = new TraceConfig({ traceConfigCtxFactory: (c) => ({ t0: 0, elapsed: -1, given: c }) });
  timed.onRequestStart.push((_s, ctx) => { ctx.t0 = performance.now(); });
  timed.onRequestEnd.push((_s, ctx) => { ctx.elapsed = performance.now() - ctx.t0; });
  // @ts-expect-error the context has no such field
  timed.onRequestEnd.push((_s, ctx) => { void ctx.nope; });
  timed.onRequestEnd.pop();
  // Given, with every field optional but traceRequestCtx: the default factory fills it.
  const seen: string[] = [];
  const given = new TraceConfig<{ readonly traceRequestCtx: unknown; hops?: number }>();
  given.onRequestStart.push((_s, ctx) => { ctx.hops = 0; seen.push(String(ctx.traceRequestCtx)); });
  // @ts-expect-error a required field the default context does not have needs a factory
  void new TraceConfig<{ t0: number }>();
  // Configs of different contexts go in one session.
  let last: { t0: number; elapsed: number; given: unknown } | undefined;
  timed.onRequestEnd.push((_s, ctx) => { last = ctx; });
  const s = session(t, { traceConfigs: [timed, given, new TraceConfig()] });
  assert.equal(await (await s.get(url, { traceRequestCtx: 'r1' })).text(), 'ok');
  assert.ok(last !== undefined && last.t0 > 0 && last.elapsed >= 0 && last.given === 'r1');
  assert.deepEqual(seen, ['r1']);
});
