/**
 * The server slow clients attack (test/reliability/slowhttptest.test.ts,
 * bench/stress/slowhttptest.ts): the seed's app (`/` and `/hello/{name}`,
 * 0.5 s handlers) served by `runApp` with its defaults, plus what each
 * slowhttptest mode needs — `/ping` (answers at once, the probe), `/upload`
 * (reads a body), `/big` (a large streamed body), `/file` (a FileResponse, for
 * range requests) — and `/status`: the server's own count of its
 * connections, since slowhttptest's counters are unreliable.
 *
 *   node --import tsx test/reliability/slow-target.ts
 *
 * `SLOW_TARGET_OPTIONS` (JSON) is passed to runApp (e.g. short timeouts in
 * tests); the port is printed in runApp's banner. Stops on SIGTERM.
 * @module
 */
import { subscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';

const options = JSON.parse(process.env.SLOW_TARGET_OPTIONS ?? '{}') as web.RunAppOptions;
const BIG = Number(process.env.SLOW_TARGET_BIG_MIB ?? '64') * 1024 * 1024;

// Who ended each connection, and after how long. The server ended it when
// it destroyed the socket before the client had closed its side; it cut it
// (a timeout) when a request was under way or no request had come yet.
const t0 = performance.now();
let accepted = 0;
let open = 0;
let peakOpen = 0;
const cut: number[] = [];
let closedAfterAnswer = 0;
let closedByClient = 0;
interface Conn {
  readonly at: number;
  requests: number;
  answered: number;
  clientGone: boolean;
  serverEnded: boolean;
}
const conns = new WeakMap<Socket, Conn>();
subscribe('net.server.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  const conn: Conn = { at: performance.now(), requests: 0, answered: 0, clientGone: false, serverEnded: false };
  conns.set(socket, conn);
  accepted++;
  open++;
  if (open > peakOpen) peakOpen = open;
  socket.on('end', () => (conn.clientGone = true));
  socket.on('error', () => (conn.clientGone = true));
  const destroy = socket.destroy;
  socket.destroy = function (this: Socket, error?: Error) {
    // A write or read that failed because the client reset the connection is the client's doing.
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ECONNRESET' || code === 'EPIPE') conn.clientGone = true;
    // The client's FIN arrived (node:http answers an unfinished head 400 and
    // destroys in its own 'end' listener, which runs before ours).
    if ((this as Socket & { _readableState?: { ended?: boolean } })._readableState?.ended === true) conn.clientGone = true;
    if (!conn.clientGone && !this.destroyed) conn.serverEnded = true;
    return destroy.call(this, error);
  };
  socket.on('close', () => {
    open--;
    if (!conn.serverEnded) closedByClient++;
    else if (conn.requests > 0 && conn.answered === conn.requests) closedAfterAnswer++;
    else cut.push((performance.now() - conn.at) / 1000);
  });
});
subscribe('http.server.request.start', (message) => {
  const c = conns.get((message as { socket: Socket }).socket);
  if (c !== undefined) c.requests++;
});
subscribe('http.server.response.finish', (message) => {
  const socket = (message as { socket: Socket }).socket;
  const c = conns.get(socket);
  // Node also finishes a response ended on a socket already destroyed: no answer reached anyone.
  if (c !== undefined && !socket.destroyed) c.answered++;
});

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

let peakRss = process.memoryUsage().rss;
setInterval(() => {
  const rss = process.memoryUsage().rss;
  if (rss > peakRss) peakRss = rss;
}, 100).unref();

const dir = mkdtempSync(join(tmpdir(), 'aiots-slow-'));
const file = join(dir, 'file.bin');
writeFileSync(file, Buffer.alloc(1024 * 1024, 0x66));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const app = new web.Application();
app.router.addGet('/', async () => {
  await sleep(0.5);
  return new web.Response({ body: '<h1>Index</h1>', contentType: 'text/html' });
});
app.router.addGet('/hello/{name}', async (request) => {
  await sleep(0.5);
  return new web.Response({ text: `<h1>hello, ${request.matchInfo.name}!</h1>`, contentType: 'text/html' });
});
app.router.addGet('/ping', () => new web.Response({ text: 'pong' }));
app.router.addPost('/upload', async (request) => new web.Response({ text: `${(await request.read()).length}` }));
const chunk = Buffer.alloc(64 * 1024, 0x62);
app.router.addGet('/big', async (request) => {
  const resp = new web.StreamResponse({ headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(BIG) } });
  await resp.prepare(request);
  for (let sent = 0; sent < BIG; sent += chunk.length) await resp.write(chunk);
  await resp.writeEof();
  return resp;
});
app.router.addGet('/file', () => new web.FileResponse(file));
app.router.addGet('/status', (request) => {
  const sorted = [...cut].sort((a, b) => a - b);
  if (request.query.get('reset') !== undefined) queueMicrotask(() => loopDelay.reset());
  const at = (p: number): number | null => (sorted.length === 0 ? null : Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number).toFixed(2)));
  return web.jsonResponse({
    uptime: Number(((performance.now() - t0) / 1000).toFixed(2)),
    accepted,
    // This request's own connection is one of them.
    open,
    peakOpen,
    cutByServer: cut.length,
    cutAfterSeconds: { min: at(0), median: at(0.5), max: at(1) },
    closedAfterAnswer,
    closedByClient,
    rss: process.memoryUsage().rss,
    peakRss,
    // The event loop's delay since the last status with ?reset (ms).
    loopDelayMs: { p99: Number((loopDelay.percentile(99) / 1e6).toFixed(1)), max: Number((loopDelay.max / 1e6).toFixed(1)) },
    // Every cut's lifetime in seconds, in the order they happened.
    ...(request.query.get('all') === undefined ? {} : { cuts: cut.map((x) => Number(x.toFixed(3))) }),
  });
});

web.runApp(app, { host: '127.0.0.1', port: 0, accessLog: null, ...options });
