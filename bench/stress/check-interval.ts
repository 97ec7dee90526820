/**
 * What node:http's periodic deadline check costs (the one that enforces
 * `headersTimeout` and `requestTimeout`, every `connectionsCheckingInterval`
 * ms). A child process opens `--connections` sockets to an aiots server and
 * sends half a request head on each, so every one is in Node's list of
 * connections with a request under way (the list the check walks; idle
 * keep-alive connections are not in it). The script then times the check
 * itself, Node's `ConnectionsList.expired()` as `checkConnections` calls it,
 * and the event loop's utilisation over a few seconds with the interval aiots
 * sets.
 *
 *   node --import tsx bench/stress/check-interval.ts [--connections 10000] [--calls 500]
 *
 * Loopback only; stops by itself (the connections are within headersTimeout).
 * @module
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as web from '../../src/web/index.js';

const { values: opts } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    calls: { type: 'string', default: '500' },
    window: { type: 'string', default: '5' },
  },
});
const N = Number(opts.connections);
const CALLS = Number(opts.calls);
const WINDOW = Number(opts.window);

const app = new web.Application();
app.router.addGet('/', () => new web.Response({ text: 'ok' }));
// The defaults but for headersTimeout: long enough that nothing expires while measuring.
const runner = new web.AppRunner(app, { accessLog: null, headersTimeout: 120, requestTimeout: 300 });
await runner.setup();
const site = new web.TCPSite(runner, '127.0.0.1', 0);
await site.start();
const server = (site as unknown as { _server: Server })._server;

interface ConnectionsList {
  expired(headersTimeout: number, requestTimeout: number): unknown[];
  active(): unknown[];
  all(): unknown[];
}
const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
if (key === undefined) throw new Error('this Node keeps its connections list under another name');
const list = (server as unknown as Record<symbol, ConnectionsList>)[key] as ConnectionsList;

const CLIENT = `
import { connect } from 'node:net';
const [port, n] = process.argv.slice(-2).map(Number);
let open = 0;
const socks = [];
function one() {
  const s = connect(port, '127.0.0.1', () => {
    s.write('GET / HTTP/1.1\\r\\nHost: x\\r\\n');
    if (++open === n) process.stdout.write('ready\\n');
  });
  s.on('error', (e) => { console.error(String(e)); process.exit(1); });
  socks.push(s);
}
// In batches, so the listen backlog is not overrun.
let started = 0;
(function batch() {
  for (let i = 0; i < 500 && started < n; i++, started++) one();
  if (started < n) setTimeout(batch, 20);
})();
process.stdin.on('data', () => process.exit(0));
`;
const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT, String(site.port), String(N)], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  child.stdout.on('data', (d: Buffer) => {
    if (d.toString().includes('ready')) resolve();
  });
  child.once('exit', (code) => reject(new Error(`client exited ${code}`)));
});
// Let the server accept and parse every head.
for (let i = 0; i < 100 && list.active().length < N; i++) await new Promise((r) => setTimeout(r, 50));
const active = list.active().length;

const times: number[] = [];
for (let i = 0; i < CALLS; i++) {
  const t0 = performance.now();
  const expired = list.expired(server.headersTimeout, server.requestTimeout);
  times.push(performance.now() - t0);
  if (expired.length !== 0) throw new Error('connections expired while measuring');
}
times.sort((a, b) => a - b);
const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))] as number;

// The check as it runs: event-loop utilisation with nothing else to do.
const elu0 = performance.eventLoopUtilization();
await new Promise((r) => setTimeout(r, WINDOW * 1000));
const elu = performance.eventLoopUtilization(elu0);

const result = {
  node: process.version,
  connections: N,
  active,
  connectionsCheckingInterval: server.connectionsCheckingInterval,
  checkMs: { median: Number(q(0.5).toFixed(4)), p99: Number(q(0.99).toFixed(4)), max: Number(q(1).toFixed(4)) },
  costPerSecondAtInterval: `${((q(0.5) * 1000) / server.connectionsCheckingInterval / 10).toFixed(4)} % of one core`,
  eventLoopUtilisation: Number(elu.utilization.toFixed(5)),
};
console.log(JSON.stringify(result, null, 2));
child.stdin.write('x');
await new Promise((r) => child.once('exit', r));
await runner.cleanup();
