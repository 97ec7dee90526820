/**
 * The soak's server process, started by `soak.ts` with `--expose-gc` and an
 * IPC channel: the seed's two handlers (examples/hello_server.ts, 0.5 s
 * sleep) plus a WebSocket echo route, under `runApp` on 127.0.0.1 and an
 * ephemeral port. It sends `{ type: 'listening', port }` once, then a
 * sample every `--sample` seconds, and one more whenever the parent asks
 * (`{ cmd: 'sample' }`); `{ cmd: 'snapshot', file }` writes a heap snapshot
 * there. SIGTERM is runApp's own graceful shutdown.
 * @module
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { parseArgs } from 'node:util';
import { sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';

export interface Sample {
  readonly type: 'sample';
  /** Seconds since the server started listening. */
  readonly t: number;
  /** Bytes, after a full collection. */
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  /** Event-loop delay over the interval since the previous sample, ms. */
  readonly loopP99: number;
  readonly loopMax: number;
  /** Handler calls since the server started (HTTP, WebSocket echoes). */
  readonly requests: number;
  readonly wsOpened: number;
  readonly wsMessages: number;
  /** Taken because the parent asked, not on the timer. */
  readonly onDemand: boolean;
}

const { values: opts } = parseArgs({ options: { sample: { type: 'string', default: '60' } } });
const SAMPLE = Number(opts.sample);
if (!(SAMPLE > 0)) throw new RangeError(`soak-server: --sample must be a positive number of seconds, got ${opts.sample}`);
const exposedGc = globalThis.gc;
if (exposedGc === undefined) throw new Error('soak-server: run with --expose-gc (heapUsed is read after a full collection)');
const gc = exposedGc;
if (process.send === undefined) throw new Error('soak-server: started without an IPC channel; run soak.ts');
const send = process.send.bind(process);

let requests = 0;
let wsOpened = 0;
let wsMessages = 0;

// The seed's handlers, as in examples/hello_server.ts, plus a count.
async function index(_request: web.Request): Promise<web.Response> {
  requests++;
  await sleep(0.5);
  return new web.Response({ body: '<h1>Index</h1>', contentType: 'text/html' });
}
async function hello(request: web.Request): Promise<web.Response> {
  requests++;
  await sleep(0.5);
  return new web.Response({ text: `<h1>hello, ${request.matchInfo.name}!</h1>`, contentType: 'text/html' });
}
async function echo(request: web.Request): Promise<web.WebSocketResponse> {
  const ws = new web.WebSocketResponse();
  await ws.prepare(request);
  wsOpened++;
  for await (const msg of ws) {
    wsMessages++;
    if (msg.type === web.WSMsgType.TEXT) await ws.sendStr(msg.data);
    else if (msg.type === web.WSMsgType.BINARY) await ws.sendBytes(msg.data);
  }
  return ws;
}

const app = new web.Application();
app.router.addRoute('GET', '/', index);
app.router.addRoute('GET', '/hello/{name}', hello);
app.router.addRoute('GET', '/echo', echo);

const delay = monitorEventLoopDelay({ resolution: 10 });
let started = 0;

function sample(onDemand: boolean): void {
  // Delay first: the collection below blocks the loop and must not count.
  const loopP99 = delay.count > 0 ? delay.percentile(99) / 1e6 : 0;
  const loopMax = delay.count > 0 ? delay.max / 1e6 : 0;
  gc();
  const m = process.memoryUsage();
  const s: Sample = {
    type: 'sample', t: (performance.now() - started) / 1000, rss: m.rss, heapUsed: m.heapUsed, external: m.external,
    loopP99, loopMax, requests, wsOpened, wsMessages, onDemand,
  };
  // The parent may be gone already once shutdown has begun.
  if (process.connected) send(s);
  delay.reset();
}

process.on('message', (m: { cmd?: string; file?: string }) => {
  if (m.cmd === 'sample') sample(true);
  else if (m.cmd === 'snapshot' && m.file !== undefined) {
    // After a full collection, so the two snapshots compare what is kept alive.
    gc();
    send({ type: 'snapshot', file: writeHeapSnapshot(m.file) });
  }
});

web.runApp(app, {
  host: '127.0.0.1',
  port: 0,
  accessLog: null,
  shutdownTimeout: 5,
  printFn: (line) => {
    const port = /:(\d+) =/.exec(line)?.[1];
    if (port === undefined) return;
    started = performance.now();
    delay.enable();
    const timer = setInterval(() => sample(false), SAMPLE * 1000);
    // The timer and the IPC channel must not hold the process open once runApp has shut down.
    timer.unref();
    process.channel?.unref();
    send({ type: 'listening', port: Number(port) });
  },
});
