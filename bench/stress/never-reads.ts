/**
 * Clients that never read a large streamed response: `--clients` connections
 * each ask for `--mib` MiB (a StreamResponse writing 64 KiB chunks, awaiting
 * each write) and never read a byte. Reports the server's RSS before and at
 * its highest (backpressure bounds it: each connection holds a socket
 * buffer, not the body), what the handlers managed to write, and when the
 * connections were dropped (the send deadline: `requestTimeout` with no byte
 * taken). The clients run in a child process, so the RSS is the server's.
 *
 *   node --expose-gc --import tsx bench/stress/never-reads.ts [--clients 100] [--mib 1024] [--request-timeout 10]
 *
 * Loopback only; ends once every handler has ended (or after
 * requestTimeout + 60 s).
 * @module
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as web from '../../src/web/index.js';

const { values: opts } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    mib: { type: 'string', default: '1024' },
    'request-timeout': { type: 'string', default: '10' },
  },
});
const CLIENTS = Number(opts.clients);
const TOTAL = Number(opts.mib) * 2 ** 20;
const REQUEST_TIMEOUT = Number(opts['request-timeout']);

const chunk = Buffer.alloc(64 * 1024, 0x61);
let written = 0;
const stalledAt: number[] = [];
const endedAfter: number[] = [];
const app = new web.Application();
app.router.addGet('/big', async (request) => {
  const t0 = performance.now();
  let last = t0;
  const resp = new web.StreamResponse({ headers: { 'Content-Length': String(TOTAL) } });
  await resp.prepare(request);
  try {
    for (let sent = 0; sent < TOTAL; sent += chunk.length) {
      await resp.write(chunk);
      written += chunk.length;
      last = performance.now();
    }
    await resp.writeEof();
  } finally {
    stalledAt.push((last - t0) / 1000);
    endedAfter.push((performance.now() - t0) / 1000);
  }
  return resp;
});
const runner = new web.AppRunner(app, { accessLog: null, errorLog: (m, e) => { if (process.env.SHOW) console.error(m, e); }, requestTimeout: REQUEST_TIMEOUT });
await runner.setup();
const site = new web.TCPSite(runner, '127.0.0.1', 0);
await site.start();

const CLIENT = `
import { connect } from 'node:net';
const [port, n] = process.argv.slice(-2).map(Number);
let closed = 0;
// A paused socket does not keep a process alive.
setInterval(() => {}, 1000);
for (let i = 0; i < n; i++) {
  const s = connect(port, '127.0.0.1', () => s.write('GET /big HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
  s.pause();
  s.on('error', (e) => { if (process.env.SHOW) console.error(String(e)); });
  s.on('close', () => { if (++closed === n) process.exit(0); });
}
`;
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}, 100);
const t0 = performance.now();
const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT, String(site.port), String(CLIENTS)], { stdio: 'inherit' });
// The clients never see the server close (its FIN waits behind the bytes
// they do not read): done when every handler has ended, or at the guard.
const deadline = performance.now() + (REQUEST_TIMEOUT + 60) * 1000;
while (endedAfter.length < CLIENTS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
const wall = (performance.now() - t0) / 1000;
clearInterval(sampler);
child.kill();
await new Promise((resolve) => child.once('exit', resolve));
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const med = (xs: number[]): number => sorted(xs)[Math.floor(xs.length / 2)] ?? NaN;
console.log(JSON.stringify({
  node: process.version,
  clients: CLIENTS,
  bodyMiB: TOTAL / 2 ** 20,
  requestTimeout: REQUEST_TIMEOUT,
  handlersEnded: endedAfter.length,
  writtenMiBPerConnection: Number((written / CLIENTS / 2 ** 20).toFixed(2)),
  lastWriteAfterSeconds: { median: Number(med(stalledAt).toFixed(2)), max: Number(Math.max(...stalledAt).toFixed(2)) },
  droppedAfterSeconds: { min: Number(Math.min(...endedAfter).toFixed(2)), median: Number(med(endedAfter).toFixed(2)), max: Number(Math.max(...endedAfter).toFixed(2)) },
  allDroppedAfterSeconds: Number(wall.toFixed(1)),
  rssMiB: { before: Math.round(rssBefore / 2 ** 20), peak: Math.round(rssPeak / 2 ** 20) },
}));
await runner.cleanup();
