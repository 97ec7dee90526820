/**
 * Does compressing a large response block the loop? One process: an aiots
 * server with compressionMiddleware() answers GET /big (a JSON body of
 * --mib MiB) to a client in the same process, while monitorEventLoopDelay
 * watches the loop. For scale, the same body compressed with zlib.gzipSync
 * (what a synchronous compressor would do to the loop) is timed too.
 *
 *   cd bench && node --import tsx http/compression-loop-delay.ts [--mib 8] [--requests 5]
 * @module
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { TestClient } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';

const { values: opts } = parseArgs({ options: { mib: { type: 'string', default: '8' }, requests: { type: 'string', default: '5' } } });
const items: object[] = [];
for (let i = 0; JSON.stringify(items.slice(-1)).length * items.length < Number(opts.mib) * 1024 * 1024; i++) items.push({ id: i, name: `item ${i}`, tags: ['alpha', 'beta', String(i % 7)] });
const body = JSON.stringify(items);

const app = new web.Application({ middlewares: [web.compressionMiddleware()] });
app.router.addGet('/big', () => new web.Response({ text: body, contentType: 'application/json' }));
const client = await TestClient.create(app, { accessLog: null });
const histogram = monitorEventLoopDelay({ resolution: 1 });
const ms = (ns: number): string => (ns / 1e6).toFixed(1);
try {
  await request(client.makeUrl('/big'), { headers: { 'accept-encoding': 'gzip' } }).then((r) => r.body.arrayBuffer());
  histogram.enable();
  const t0 = performance.now();
  let compressed = 0;
  for (let i = 0; i < Number(opts.requests); i++) {
    const r = await request(client.makeUrl('/big'), { headers: { 'accept-encoding': 'gzip' } });
    compressed = (await r.body.arrayBuffer()).byteLength;
  }
  const elapsed = performance.now() - t0;
  histogram.disable();
  const s0 = performance.now();
  gzipSync(body);
  const sync = performance.now() - s0;
  console.log(`Node ${process.version}: ${(body.length / 1048576).toFixed(1)} MiB JSON → ${(compressed / 1048576).toFixed(2)} MiB gzip, ${opts.requests} requests in ${elapsed.toFixed(0)} ms`);
  console.log(`loop delay while serving: p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms`);
  console.log(`the same body with zlib.gzipSync blocks the loop for ${sync.toFixed(0)} ms`);
} finally {
  await client.close();
}
