// Pipelined requests on one connection: their handlers run one at a time, as
// aiohttp runs them, and the answers come back in order.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Event } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { openSocket, statusOf } from './helpers.js';

/** Split a stream of HTTP responses with Content-Length bodies into bodies. */
function bodiesOf(raw: string): string[] {
  const out: string[] = [];
  let rest = raw;
  for (;;) {
    const h = rest.indexOf('\r\n\r\n');
    if (h === -1) return out;
    const len = Number(/\r\ncontent-length: (\d+)/i.exec(rest.slice(0, h))?.[1] ?? 0);
    if (rest.length < h + 4 + len) return out;
    out.push(rest.slice(h + 4, h + 4 + len));
    rest = rest.slice(h + 4 + len);
  }
}

async function serve(t: test.TestContext, app: web.Application): Promise<web.TCPSite> {
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  t.after(() => runner.cleanup());
  return site;
}

test('2,000 pipelined requests on one connection: answered in order, one handler at a time', { timeout: 60_000 }, async (t) => {
  const N = 2000;
  let running = 0;
  let peak = 0;
  const app = new web.Application();
  app.router.addGet('/i/{n}', async (request) => {
    running++;
    peak = Math.max(peak, running);
    try {
      // Yield to the loop, so that the handlers of the other requests could run meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      return new web.Response({ text: request.matchInfo.n });
    } finally {
      running--;
    }
  });
  const site = await serve(t, app);
  const sock = await openSocket(site.port);
  t.after(() => sock.destroy());
  let raw = '';
  let heads = 0;
  const all = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      // Count the ends of headers as they come (the bodies are digits); parse once at the end.
      const from = Math.max(0, raw.length - 3);
      raw += d.toString('latin1');
      for (let i = raw.indexOf('\r\n\r\n', from); i !== -1; i = raw.indexOf('\r\n\r\n', i + 4)) heads++;
      if (heads === N && bodiesOf(raw).length === N) resolve();
    });
  });
  sock.write(Array.from({ length: N }, (_, i) => `GET /i/${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
  await all;
  assert.deepEqual(bodiesOf(raw), Array.from({ length: N }, (_, i) => String(i)));
  assert.equal(peak, 1);
});

test('pipelined requests with bodies: each handler reads its own body', async (t) => {
  const app = new web.Application();
  app.router.addPost('/echo', async (request) => new web.Response({ text: `[${await request.text()}]` }));
  const site = await serve(t, app);
  const sock = await openSocket(site.port);
  t.after(() => sock.destroy());
  let raw = '';
  sock.on('data', (d: Buffer) => (raw += d.toString('latin1')));
  const bodies = ['one', 'two'.repeat(10_000), 'three'];
  sock.write(bodies.map((b) => `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${b.length}\r\n\r\n${b}`).join(''));
  while (bodiesOf(raw).length < bodies.length) await once(sock, 'data');
  assert.deepEqual(bodiesOf(raw), bodies.map((b) => `[${b}]`));
});

test('at shutdown, pipelined requests not yet started are not run: the connection closes after the current answer', async () => {
  const entered = new Event();
  const release = new Event();
  const ran: string[] = [];
  const app = new web.Application();
  app.router.addGet('/{n}', async (request) => {
    ran.push(request.matchInfo.n);
    entered.set();
    await release.wait();
    return new web.Response({ text: `answer ${request.matchInfo.n}` });
  });
  app.onShutdown.push(async () => release.set());
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const sock = await openSocket(site.port);
  let raw = '';
  sock.on('data', (d: Buffer) => (raw += d.toString('latin1')));
  const closed = once(sock, 'close');
  sock.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
  await entered.wait();
  await runner.cleanup();
  await closed;
  assert.deepEqual(ran, ['1']);
  assert.equal(statusOf(raw), 200);
  assert.match(raw, /Connection: close/i);
  assert.deepEqual(bodiesOf(raw), ['answer 1']);
});
