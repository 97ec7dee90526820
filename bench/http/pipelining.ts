/**
 * Pipelining on one connection: a raw socket writes N `GET` requests at once
 * and reads the N answers. Reports how many handlers of that connection ran
 * at the same time (at most), the process's RSS before and at its highest,
 * the time taken, and whether the answers came back in order. The handler
 * sleeps a little (`--sleep`, seconds) as one waiting on a database would.
 *
 *   cd bench && node --import tsx http/pipelining.ts [--requests 50000] [--sleep 0.01]
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '50000' },
    sleep: { type: 'string', default: '0.01' },
  },
});
const N = Number(opts.requests);
const SLEEP = Number(opts.sleep);

let running = 0;
let peak = 0;
const app = new web.Application();
app.router.addGet('/i/{n}', async (request) => {
  running++;
  if (running > peak) peak = running;
  try {
    if (SLEEP > 0) await sleep(SLEEP);
    return new web.Response({ text: request.matchInfo.n! });
  } finally {
    running--;
  }
});
const runner = new web.AppRunner(app, { accessLog: null });
await runner.setup();
const site = new web.TCPSite(runner, '127.0.0.1', 0);
await site.start();

// The client runs in a child process, so the RSS measured is the server's.
const CLIENT = `
import { connect } from 'node:net';
const [port, n] = process.argv.slice(-2).map(Number);
const sock = connect(port, '127.0.0.1');
let pending = '';
let next = 0;
let ordered = true;
sock.setEncoding('latin1');
sock.on('data', (d) => {
  pending += d;
  // Each answer is small: its body (the request's number) ends the message.
  for (;;) {
    const h = pending.indexOf('\\r\\n\\r\\n');
    if (h === -1) break;
    const m = /\\r\\ncontent-length: (\\d+)/i.exec(pending.slice(0, h));
    const len = Number(m?.[1] ?? 0);
    if (pending.length < h + 4 + len) break;
    if (pending.slice(h + 4, h + 4 + len) !== String(next)) ordered = false;
    next++;
    pending = pending.slice(h + 4 + len);
  }
  if (next === n) {
    sock.destroy();
    process.stdout.write(JSON.stringify({ ordered }));
  }
});
sock.on('close', () => { if (next < n) { console.error('closed after ' + next + ' of ' + n + ' answers'); process.exit(1); } });
const reqs = [];
for (let i = 0; i < n; i++) reqs.push('GET /i/' + i + ' HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');
sock.write(reqs.join(''));
`;

globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}, 10);

const started = performance.now();
const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT, String(site.port), String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
const [code] = (await once(child, 'exit')) as [number | null];
if (code !== 0) throw new Error(`the client failed (exit code ${code})`);
const inOrder = (JSON.parse(out) as { ordered: boolean }).ordered;
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
await runner.cleanup();

const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
console.log(`${N} pipelined requests, handler sleeps ${SLEEP} s: peak concurrent handlers ${peak}, RSS ${mb(rssBefore)} -> ${mb(rssPeak)} MB, ${seconds.toFixed(2)} s, answers in order: ${inOrder}`);
