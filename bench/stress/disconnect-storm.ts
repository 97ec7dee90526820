/**
 * A disconnect storm: `--clients` connections each send a GET and all leave
 * while their handlers wait (test/helpers/disconnect-storm.ts). Counts, on the
 * server side, the `request.signal`s that fired, the handler tasks that ended
 * cancelled (with handlerCancellation) or returned (without), errors, and what
 * is still reachable after a full gc; and the server's memory (RSS and
 * heapUsed after gc) before the storm, at its peak and after it. A warm-up
 * round of the same size comes first, so the baseline includes compiled code
 * and the allocator's high-water mark (its before column is the server
 * before any traffic).
 *
 * The server runs in this process; the clients in a child process (so the
 * memory measured is the server's). Both hold a socket per client: raise the
 * soft limit on open files first (`ulimit -Sn 20000`) if it is the usual 1,024.
 *
 *   node --expose-gc --import tsx bench/stress/disconnect-storm.ts [--clients 10000] [--rounds 3]
 *        [--mode both|cancel|return|node] [--rst]
 *
 * `--mode node`: the same storm against a bare `node:http` server whose
 * handler only waits for its response to close, to tell Node's own memory
 * behaviour from aiots's.
 *
 * 127.0.0.1 only; a hang guard (60 s a step) ends a round that does not finish.
 * @module
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Event, allTasks, sleep, timeout } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { stormApp, type Storm } from '../../test/helpers/disconnect-storm.ts';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'both' },
    rst: { type: 'boolean', default: false },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with --expose-gc: node --expose-gc --import tsx bench/stress/disconnect-storm.ts');
  process.exit(2);
}
const CLIENTS = Number(args.clients);
const ROUNDS = Number(args.rounds);
const GUARD = 60;
const HERE = dirname(fileURLToPath(import.meta.url));

interface Mem { rss: number; heap: number }
interface Row {
  mode: string;
  round: string;
  clients: number;
  started: number;
  aborted: number;
  cancelled: number;
  returned: number;
  ended: number;
  errors: number;
  inflight: number;
  tasks: number;
  live: { requests: number; tasks: number };
  before: Mem;
  peak: Mem;
  after: Mem;
  seconds: number;
}

async function fullGc(): Promise<Mem> {
  // A few rounds with turns of the loop between: closed sockets' handles and
  // WeakRef targets go only after their job ends.
  for (let i = 0; i < 4; i++) {
    gc!();
    await sleep(0.05);
  }
  gc!();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

interface Server { port: number; inflight(): number }

async function storm(s: Storm, server: Server, mode: string, round: string, n: number): Promise<Row> {
  const before = await fullGc();
  const peak = { ...before };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
  }, 20);
  const t0 = performance.now();
  const { allStarted, allEnded } = s.round(n);
  const child = fork(join(HERE, 'lib/storm-client.ts'), [JSON.stringify({ port: server.port, n, rst: args.rst })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  try {
    await timeout(GUARD, () => allStarted.wait());
    const left = new Promise<{ failed: number }>((resolve) => child.on('message', (m: { type: string; failed: number }) => {
      if (m.type === 'left') resolve(m);
    }));
    child.send({ type: 'leave' });
    const { failed } = await left;
    if (failed > 0) console.error(`${failed} connects failed`);
    await timeout(GUARD, () => allEnded.wait());
  } catch (e) {
    throw new Error(`round ${mode} ${round} did not finish: ${JSON.stringify(s.counts)}`, { cause: e });
  } finally {
    await exited;
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heap = Math.max(peak.heap, m.heapUsed);
  const after = await fullGc();
  return {
    mode, round, clients: n, ...s.counts, inflight: server.inflight(), tasks: allTasks().size,
    live: s.live(), before, peak, after, seconds,
  };
}

const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const rows: Row[] = [];
/** The storm against bare node:http: the handler waits for its response to close. */
function bareStorm(): Storm {
  const counts = { started: 0, aborted: 0, cancelled: 0, returned: 0, ended: 0, errors: 0 };
  let expected = 0;
  let allStarted = new Event();
  let allEnded = new Event();
  return {
    app: new web.Application(),
    counts,
    runnerOptions: { handlerCancellation: false, errorLog: () => {}, accessLog: null },
    round(n) {
      Object.assign(counts, { started: 0, aborted: 0, cancelled: 0, returned: 0, ended: 0, errors: 0 });
      expected = n;
      allStarted = new Event();
      allEnded = new Event();
      return { allStarted, allEnded };
    },
    live: () => ({ requests: 0, tasks: 0 }),
    close() {},
    // The server's request listener reaches the counts through this.
    _listener(_req: unknown, res: import('node:http').ServerResponse) {
      if (++counts.started === expected) allStarted.set();
      res.once('close', () => {
        counts.aborted++;
        if (++counts.ended === expected) allEnded.set();
      });
    },
  } as Storm & { _listener: (req: unknown, res: import('node:http').ServerResponse) => void };
}

async function runBare(): Promise<void> {
  const s = bareStorm() as Storm & { _listener: (req: unknown, res: import('node:http').ServerResponse) => void };
  const http = createServer(s._listener);
  http.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  await once(http, 'listening');
  const server = { port: (http.address() as AddressInfo).port, inflight: () => 0 };
  try {
    rows.push(await storm(s, server, 'node', 'warm-up', CLIENTS));
    for (let r = 1; r <= ROUNDS; r++) rows.push(await storm(s, server, 'node', String(r), CLIENTS));
  } finally {
    http.close();
  }
}

const modes = args.mode === 'both' ? ['return', 'cancel'] : [args.mode];
for (const mode of modes) {
  if (mode === 'node') {
    await runBare();
    continue;
  }
  if (mode !== 'return' && mode !== 'cancel') throw new Error(`--mode: both, cancel, return or node, got ${mode}`);
  const s = stormApp({ cancellation: mode === 'cancel' });
  const runner = new web.AppRunner(s.app, s.runnerOptions);
  await runner.setup();
  // 10,000 connects at once: more than the default backlog of 511 drains in time.
  const site = new web.TCPSite(runner, '127.0.0.1', 0, { backlog: 4096 });
  await site.start();
  const server = { port: site.port, inflight: () => runner._handler.inflight };
  try {
    rows.push(await storm(s, server, mode, 'warm-up', CLIENTS));
    for (let r = 1; r <= ROUNDS; r++) rows.push(await storm(s, server, mode, String(r), CLIENTS));
  } finally {
    await runner.cleanup();
    s.close();
  }
}

const name = (mode: string): string => (mode === 'node' ? 'bare node:http' : mode === 'cancel' ? 'handlerCancellation: true' : 'handlerCancellation: false');
console.log(`\ndisconnect storm: clients leave (${args.rst ? 'RST' : 'FIN'}) while their handlers wait; node ${process.version}; memory after gc, MiB\n`);
console.log('| mode | round | clients | handlers started | signals fired | ended cancelled | returned | errors | in flight / tasks after | reachable requests / tasks after gc | RSS before → peak → after | heapUsed before → peak → after | s |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${name(r.mode)} | ${r.round} | ${r.clients.toLocaleString('en-US')} | ${r.started.toLocaleString('en-US')} | ${r.aborted.toLocaleString('en-US')} | ${r.cancelled.toLocaleString('en-US')} | ${r.returned.toLocaleString('en-US')} | ${r.errors} | ${r.inflight} / ${r.tasks} | ${r.live.requests} / ${r.live.tasks} | ${mib(r.before.rss)} → ${mib(r.peak.rss)} → ${mib(r.after.rss)} | ${mib(r.before.heap)} → ${mib(r.peak.heap)} → ${mib(r.after.heap)} | ${r.seconds.toFixed(1)} |`);
}
// Baseline: after the warm-up round of each mode.
let ok = true;
for (const mode of modes) {
  const mine = rows.filter((r) => r.mode === mode);
  const base = mine[0]!.after;
  const last = mine[mine.length - 1]!.after;
  const good = mine.every((r) => r.aborted === r.clients && r.errors === 0 && r.live.requests === 0 && r.live.tasks === 0 && r.inflight === 0
    && (r.mode === 'cancel' ? r.cancelled === r.clients : r.mode === 'node' ? r.ended === r.clients : r.returned === r.clients));
  console.log(`\n${name(mode)}: baseline (after warm-up) RSS ${mib(base.rss)} MiB, heapUsed ${mib(base.heap)} MiB; after the last storm RSS ${mib(last.rss)} (${last.rss >= base.rss ? '+' : ''}${mib(last.rss - base.rss)}), heapUsed ${mib(last.heap)} (${last.heap >= base.heap ? '+' : ''}${mib(last.heap - base.heap)}); counts ${good ? 'all as expected' : 'NOT as expected'}`);
  ok &&= good;
}
process.exitCode = ok ? 0 : 1;
