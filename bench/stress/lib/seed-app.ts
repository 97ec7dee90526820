/**
 * The seed's aiohttp server (examples/hello_server.ts: two handlers that sleep
 * 0.5 s) under `runApp`, counting what it does so that the shutdown benchmarks
 * can compare it with what their clients saw. Every process that serves
 * (the lone process, or each worker) writes its counts as JSON to
 * `$COUNTS_DIR/<pid>.json` every 100 ms and at exit, so a process killed by
 * SIGKILL still leaves counts at most 100 ms old.
 *
 * Environment: PORT (0: ephemeral; the port is in the "Running on" line),
 * WORKERS (default 1), SHUTDOWN_TIMEOUT (seconds, default 60), COUNTS_DIR.
 * @module
 */
import cluster from 'node:cluster';
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../../../src/index.js';
import * as web from '../../../src/web/index.js';

/** What one serving process writes. */
export interface ServerCounts {
  pid: number;
  /** Handlers started: the requests the server accepted. */
  started: number;
  /** Handlers that returned their response. */
  returned: number;
  /** Responses Node finished writing ('http.server.response.finish'). */
  finished: number;
  /** Handlers running when SIGTERM arrived (-1: no SIGTERM). */
  inflightAtSigterm: number;
  /** Handlers started after SIGTERM (a request already read from a kept-alive socket). */
  startedAfterSigterm: number;
  exited: boolean;
}

const counts: ServerCounts = { pid: process.pid, started: 0, returned: 0, finished: 0, inflightAtSigterm: -1, startedAfterSigterm: 0, exited: false };
const dir = process.env.COUNTS_DIR;
const save = (): void => {
  if (dir !== undefined && (cluster.isWorker || Number(process.env.WORKERS ?? 1) <= 1)) writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(counts));
};

// Counting stays outside the seed's handlers: a wrapper counts the start and
// the return, Node's diagnostics channel the last byte handed to the socket.
function counted(handler: (request: web.Request) => Promise<web.Response>): (request: web.Request) => Promise<web.Response> {
  return async (request) => {
    counts.started++;
    if (counts.inflightAtSigterm !== -1) counts.startedAfterSigterm++;
    const r = await handler(request);
    counts.returned++;
    return r;
  };
}
subscribe('http.server.response.finish', () => {
  counts.finished++;
});

// The seed's handlers, as in examples/hello_server.ts.
async function index(_request: web.Request): Promise<web.Response> {
  await sleep(0.5);
  return new web.Response({ body: '<h1>Index</h1>', contentType: 'text/html' });
}
async function hello(request: web.Request): Promise<web.Response> {
  await sleep(0.5);
  return new web.Response({ text: `<h1>hello, ${request.matchInfo.name}!</h1>`, contentType: 'text/html' });
}

const app = new web.Application();
app.router.addRoute('GET', '/', counted(index));
app.router.addRoute('GET', '/hello/{name}', counted(hello));

process.on('SIGTERM', () => {
  if (counts.inflightAtSigterm === -1) counts.inflightAtSigterm = counts.started - counts.returned;
  save();
});
process.on('exit', () => {
  counts.exited = true;
  save();
});
setInterval(save, 100).unref();

web.runApp(app, {
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  workers: Number(process.env.WORKERS ?? 1),
  shutdownTimeout: Number(process.env.SHUTDOWN_TIMEOUT ?? 60),
  // 10,000 connections looping requests: an access line each would make the
  // run measure the terminal. The seed logs; its log is not what is tested here.
  accessLog: null,
  // 10,000 connections ramp up faster than the default backlog of 511 drains.
  backlog: 4096,
});
