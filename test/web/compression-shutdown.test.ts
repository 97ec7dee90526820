// Shutdown while a compressed response is still being compressed or sent:
// the drain waits for it (within shutdownTimeout), so the client gets the
// whole body and onCleanup runs after it, as for a handler still running.
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { Event } from '../../src/index.js';
import * as web from '../../src/web/index.js';

// ~12 MiB of JSON: compressed on the threadpool, for tens of milliseconds at least.
const BIG = JSON.stringify(Array.from({ length: 300_000 }, (_, i) => ({ id: i, name: `item ${i}`, tag: (i * 7919) % 1000 })));

async function fetchGzip(port: number, path: string): Promise<{ status: number; coding: string | undefined; body: Buffer }> {
  const req = get({ host: '127.0.0.1', port, path, headers: { 'Accept-Encoding': 'gzip' } });
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode ?? 0, coding: res.headers['content-encoding'], body: Buffer.concat(chunks) };
}

const cases: [string, (returning: Event) => web.Handler][] = [
  ['a compressed Response (compressed on the threadpool after the handler returned)', (returning) => () => {
    returning.set();
    return new web.Response({ text: BIG, contentType: 'application/json' });
  }],
  ['a compressed StreamResponse whose handler returned without writeEof()', (returning) => async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Content-Type': 'application/json' } });
    await resp.prepare(request);
    for (let i = 0; i < BIG.length; i += 1 << 20) await resp.write(BIG.slice(i, i + (1 << 20)));
    returning.set();
    return resp;
  }],
];

for (const [name, handler] of cases) {
  test(`shutdown during ${name}: the whole body is delivered, then onCleanup runs`, async () => {
    const events: string[] = [];
    const returning = new Event();
    let res: import('node:http').ServerResponse | null = null;
    const app = new web.Application({
      middlewares: [web.compressionMiddleware(), async (request, h) => {
        res = request._res;
        return h(request);
      }],
    });
    app.router.addGet('/big', handler(returning));
    // The server's side: the response was handed to the socket whole before cleanup.
    app.onCleanup.push(async () => void events.push(`cleanup (response finished: ${String(res?.writableFinished)})`));
    const runner = new web.AppRunner(app, { accessLog: null });
    await runner.setup();
    const site = new web.TCPSite(runner, '127.0.0.1', 0);
    await site.start();
    const answer = fetchGzip(site.port, '/big').then((r) => {
      events.push('body received');
      return r;
    });
    await returning.wait();
    await runner.cleanup();
    events.push('cleanup() resolved');
    const r = await answer;
    assert.equal(r.status, 200);
    assert.equal(r.coding, 'gzip');
    assert.equal(zlib.gunzipSync(r.body).toString(), BIG);
    // The client may finish reading before or after the server's cleanup: not compared.
    assert.deepEqual(events.filter((e) => e !== 'body received'), ['cleanup (response finished: true)', 'cleanup() resolved']);
  });
}
