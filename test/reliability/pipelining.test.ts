// 10,000 pipelined requests on one connection (issue 15): answered in order,
// one handler at a time, and never more than about one socket read of them
// parsed ahead of the handler (the memory bound: Node alone would parse all
// 10,000 at once). test/web/pipelining.test.ts has the behaviour in small;
// bench/http/pipelining.ts measures the RSS.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { openSocket } from '../web/helpers.js';

test('10,000 pipelined requests on one connection: in order, one handler at a time, a bounded number parsed ahead', { timeout: 120_000 }, async (t) => {
  const N = 10_000;
  let parsed = 0;
  let started = 0;
  let aheadPeak = 0;
  let running = 0;
  let runningPeak = 0;
  const onParsed = (): void => {
    parsed++;
    aheadPeak = Math.max(aheadPeak, parsed - started);
  };
  subscribe('http.server.request.start', onParsed);
  t.after(() => unsubscribe('http.server.request.start', onParsed));
  const app = new web.Application();
  app.router.addGet('/i/{n}', async (request) => {
    started++;
    running++;
    runningPeak = Math.max(runningPeak, running);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return new web.Response({ text: request.matchInfo.n });
    } finally {
      running--;
    }
  });
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  t.after(() => runner.cleanup());

  const sock = await openSocket(site.port);
  t.after(() => sock.destroy());
  let pending = '';
  let next = 0;
  let outOfOrder = -1;
  const all = new Promise<void>((resolve, reject) => {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      pending += d;
      for (;;) {
        const h = pending.indexOf('\r\n\r\n');
        if (h === -1) break;
        const len = Number(/\r\ncontent-length: (\d+)/i.exec(pending.slice(0, h))?.[1] ?? 0);
        if (pending.length < h + 4 + len) break;
        if (outOfOrder === -1 && pending.slice(h + 4, h + 4 + len) !== String(next)) outOfOrder = next;
        next++;
        pending = pending.slice(h + 4 + len);
      }
      if (next === N) resolve();
    });
    sock.on('close', () => reject(new Error(`closed after ${next} of ${N} answers`)));
  });
  const requests = Array.from({ length: N }, (_, i) => `GET /i/${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
  sock.write(requests);
  await all;
  assert.equal(outOfOrder, -1, `answer ${outOfOrder} out of order`);
  assert.equal(started, N);
  assert.equal(runningPeak, 1);
  // One 64 KiB read holds about 2,000 of these ~33-byte requests (the batch is 321 KiB); without the hold all 10,000 are.
  t.diagnostic(`parsed ahead of their handler at most: ${aheadPeak}`);
  assert.ok(aheadPeak < N / 2, `${aheadPeak} requests parsed ahead of their handler`);
});
