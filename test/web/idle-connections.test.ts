// Many idle connections held open: the server keeps answering. The count
// comes from AIOTS_IDLE_CONNECTIONS (default 1000; 10,000 was measured with
// AIOTS_IDLE_CONNECTIONS=10000, which needs `ulimit -n` above 20,000 as both
// ends live in this process).
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { TestServer } from '../../src/testing/index.js';
import { openSocket, rawRequest, statusOf } from './helpers.js';

const COUNT = Number(process.env.AIOTS_IDLE_CONNECTIONS ?? 1000);

test(`${COUNT} idle connections held open; the server still serves`, async (t) => {
  const app = new web.Application();
  app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
  const server = new TestServer(app);
  await server.start();
  const socks: Socket[] = [];
  t.after(async () => {
    for (const s of socks) s.destroy();
    await server.close();
  });
  const before = process.memoryUsage().rss;
  for (let i = 0; i < COUNT; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, COUNT - i) }, () => openSocket(server.port)));
    socks.push(...batch);
  }
  for (const s of socks) s.on('error', () => {});
  const raw = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(raw), 200);
  assert.match(raw, /alive$/);
  assert.equal(socks.filter((s) => s.destroyed).length, 0);
  if (process.env.AIOTS_IDLE_CONNECTIONS !== undefined) {
    console.log(`${COUNT} idle connections: RSS grew ${((process.memoryUsage().rss - before) / 2 ** 20).toFixed(1)} MiB (both ends in this process)`);
  }
});
