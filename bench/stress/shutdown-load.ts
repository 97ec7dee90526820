/**
 * Shutdown under load: the seed's app (0.5 s handlers) under `runApp` in a
 * child process, `--connections` keep-alive connections looping requests from
 * separate client process(es), and SIGTERM in the middle. Prints what the
 * server accepted (handlers started, counted in the server), what the clients
 * got (complete responses), what was refused or reset, the exit code and the
 * time to exit against `shutdownTimeout`. Goal: lost (accepted − completed) = 0,
 * exit 0 within shutdownTimeout.
 *
 *   node --import tsx bench/stress/shutdown-load.ts [--connections 10000] [--workers 1]
 *        [--warmup 5] [--shutdown-timeout 60] [--clients 1] [--think 0]
 *
 * `--think S`: each connection waits a random 0–S seconds between a response
 * and its next request, so that at SIGTERM many connections are idle
 * keep-alive ones (the server closes those at once) rather than all waiting
 * for a handler.
 *
 * `--nginx`: two aiots processes behind a loopback nginx; one of them is
 * killed with SIGKILL in the middle of `--duration` seconds of load, and the
 * table shows what the clients saw (nginx retries a GET whose upstream failed
 * on the other one: proxy_next_upstream).
 *
 *   node --import tsx bench/stress/shutdown-load.ts --nginx [--connections 10000] [--duration 10]
 *        [--upstream processes|cluster] [--peers 1]
 *
 * `--upstream cluster`: one `runApp({ workers: 2 })` instead of two
 * processes, and one of its workers is killed; nginx lists its port
 * `--peers` times (with 1, nginx has no other peer to retry on).
 *
 * 127.0.0.1 only; everything it starts is stopped before it exits (and a
 * hang guard ends a run that does not finish).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadOptions, LoadReport } from './lib/load-client.ts';
import { startNginx, type Nginx } from './lib/nginx.ts';
import type { ServerCounts } from './lib/seed-app.ts';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '5' },
    'shutdown-timeout': { type: 'string', default: '60' },
    clients: { type: 'string', default: '1' },
    nginx: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    think: { type: 'string', default: '0' },
    upstream: { type: 'string', default: 'processes' },
    peers: { type: 'string', default: '1' },
  },
});
const CONNECTIONS = Number(args.connections);
const WORKERS = Number(args.workers);
const WARMUP = Number(args.warmup);
const SHUTDOWN_TIMEOUT = Number(args['shutdown-timeout']);
const CLIENTS = Number(args.clients);
const DURATION = Number(args.duration);
const THINK = Number(args.think);
const UPSTREAM = args.upstream;
if (UPSTREAM !== 'processes' && UPSTREAM !== 'cluster') throw new Error(`--upstream: processes or cluster, got ${UPSTREAM}`);
const PEERS = Number(args.peers);
const HERE = dirname(fileURLToPath(import.meta.url));
const children = new Set<ChildProcess>();

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exit: Promise<[number | null, NodeJS.Signals | null]>;
}

/**
 * Node with `args`, through a shell that first raises the soft limit on open
 * files to the hard one (10,000 connections need more than the usual 1,024).
 */
function node(args: readonly string[]): [string, string[]] {
  return ['/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...args]];
}

async function startServer(countsDir: string, workers: number): Promise<Server> {
  const child = spawn(...node(['--import', 'tsx', join(HERE, 'lib/seed-app.ts')]), {
    env: { ...process.env, PORT: '0', WORKERS: String(workers), SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT), COUNTS_DIR: countsDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let out = '';
  child.stdout!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exit.then(([code]) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
  return { child, port, exit };
}

interface Clients {
  readonly procs: ChildProcess[];
  readonly ready: Promise<void>;
  readonly reports: Promise<LoadReport[]>;
  send(type: 'sigterm' | 'stop'): void;
}

function startClients(port: number, connections: number, deadline: number): Clients {
  const procs: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const reports: Promise<LoadReport>[] = [];
  for (let k = 0; k < CLIENTS; k++) {
    const n = Math.floor(connections / CLIENTS) + (k < connections % CLIENTS ? 1 : 0);
    const o: LoadOptions = { port, connections: n, deadline, think: THINK };
    const child = spawn(...node(['--import', 'tsx', join(HERE, 'lib/load-client.ts'), JSON.stringify(o)]), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    procs.push(child);
    ready.push(new Promise((resolve) => child.on('message', (m: { type: string }) => {
      if (m.type === 'ready') resolve();
    })));
    reports.push(new Promise((resolve, reject) => {
      child.on('message', (m: { type: string; report?: LoadReport }) => {
        if (m.type === 'report') resolve(m.report!);
      });
      child.once('exit', (code) => reject(new Error(`load client exited with ${code} without a report`)));
    }));
  }
  return {
    procs,
    ready: Promise.all(ready).then(() => undefined),
    reports: Promise.all(reports),
    send(type) {
      for (const p of procs) if (p.connected) p.send({ type });
    },
  };
}

function merge(reports: readonly LoadReport[]): LoadReport {
  const sum = (m: Record<string, number>, add: Record<string, number>): void => {
    for (const [k, v] of Object.entries(add)) m[k] = (m[k] ?? 0) + v;
  };
  const out: LoadReport = {
    sent: 0, statuses: {}, completedBefore: 0, completedAfter: 0, connectionClose: 0, resets: {}, resetsAfter: 0,
    connectErrors: {}, connectErrorsAfter: 0, connects: 0, idleClosed: 0, unparsed: 0, hung: 0, slowestAfterSigterm: 0,
  };
  for (const r of reports) {
    for (const k of ['sent', 'completedBefore', 'completedAfter', 'connectionClose', 'resetsAfter', 'connectErrorsAfter', 'connects', 'idleClosed', 'unparsed', 'hung'] as const) out[k] += r[k];
    sum(out.statuses, r.statuses);
    sum(out.resets, r.resets);
    sum(out.connectErrors, r.connectErrors);
    out.slowestAfterSigterm = Math.max(out.slowestAfterSigterm, r.slowestAfterSigterm);
  }
  return out;
}

async function readCounts(dir: string): Promise<ServerCounts[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as ServerCounts));
}

/** The server's exit, or SIGKILL and a failure after `seconds` (a hang guard: the table then says so). */
async function exitWithin(server: Server, seconds: number): Promise<[number | null, NodeJS.Signals | null]> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), seconds * 1000);
  });
  const r = await Promise.race([server.exit, guard]);
  clearTimeout(timer);
  if (r !== 'hung') return r;
  console.error(`the server did not exit within ${seconds} s: killed`);
  server.child.kill('SIGKILL');
  return server.exit;
}

const int = (n: number): string => n.toLocaleString('en-US');
const total = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);
const detail = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k} ${int(v)}`).join(', ') || '0';

function table(rows: readonly (readonly [string, string])[]): void {
  console.log('| measure | value |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
}

async function sigtermRun(): Promise<void> {
  const countsDir = await mkdtemp(join(tmpdir(), 'aiots-shutload-'));
  try {
    const server = await startServer(countsDir, WORKERS);
    const clients = startClients(server.port, CONNECTIONS, WARMUP + SHUTDOWN_TIMEOUT + 120);
    const rampStart = performance.now();
    await Promise.race([clients.ready, clients.reports]);
    const ramp = (performance.now() - rampStart) / 1000;
    await delay(WARMUP * 1000);
    const t0 = performance.now();
    server.child.kill('SIGTERM');
    clients.send('sigterm');
    const [code, signal] = await exitWithin(server, SHUTDOWN_TIMEOUT + 30);
    const exitSeconds = (performance.now() - t0) / 1000;
    const report = merge(await clients.reports);
    const counts = await readCounts(countsDir);
    const accepted = counts.reduce((a, c) => a + c.started, 0);
    const completed = total(report.statuses);
    const refused = report.connectErrors.ECONNREFUSED ?? 0;
    console.log(`\nshutdown under load: ${int(CONNECTIONS)} connections, workers ${WORKERS}, SIGTERM ${WARMUP} s after all connected (ramp ${ramp.toFixed(1)} s), shutdownTimeout ${SHUTDOWN_TIMEOUT} s, think ${THINK} s, node ${process.version}\n`);
    table([
      ['requests sent (client)', int(report.sent)],
      ['accepted (server: handlers started)', `${int(accepted)} (${counts.map((c) => int(c.started)).join(' + ')})`],
      ['in flight at SIGTERM (server)', counts.map((c) => int(c.inflightAtSigterm)).join(' + ')],
      ['started after SIGTERM (server)', counts.map((c) => int(c.startedAfterSigterm)).join(' + ')],
      ['responses finished (server)', int(counts.reduce((a, c) => a + c.finished, 0))],
      ['completed (client: full responses)', `${int(completed)} (before SIGTERM ${int(report.completedBefore)}, after ${int(report.completedAfter)}; statuses: ${detail(report.statuses)})`],
      ['**lost (accepted − completed)**', `**${int(accepted - completed)}**`],
      ['responses with Connection: close', int(report.connectionClose)],
      ['refused (ECONNREFUSED, new connections)', `${int(refused)} (after SIGTERM ${int(report.connectErrorsAfter)})`],
      ['other connect errors', detail(Object.fromEntries(Object.entries(report.connectErrors).filter(([k]) => k !== 'ECONNREFUSED')))],
      ['reset (request written, no response)', `${int(total(report.resets))} (${detail(report.resets)}; after SIGTERM ${int(report.resetsAfter)})`],
      ['idle connections closed by the server', int(report.idleClosed)],
      ['slowest response completed after SIGTERM (from its request)', `${report.slowestAfterSigterm.toFixed(2)} s`],
      ['exit code', signal === null ? String(code) : `killed by ${signal}`],
      ['time from SIGTERM to exit', `${exitSeconds.toFixed(2)} s (shutdownTimeout ${SHUTDOWN_TIMEOUT} s)`],
      ['unparsed responses / hung slots', `${report.unparsed} / ${report.hung}`],
    ]);
    const ok = accepted === completed && code === 0 && exitSeconds <= SHUTDOWN_TIMEOUT && report.hung === 0 && report.unparsed === 0;
    console.log(`\n${ok ? 'PASS' : 'FAIL'}: lost ${accepted - completed}, exit ${code ?? signal}, ${exitSeconds.toFixed(2)} s`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await rm(countsDir, { recursive: true, force: true });
  }
}

function countLines(log: string, pattern: RegExp): number {
  return log.split('\n').filter((l) => pattern.test(l)).length;
}

/** Resolves once no process has `pid` (a worker of a cluster, not our child). */
async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await delay(20);
  }
}

async function nginxRun(): Promise<void> {
  const countsDir = await mkdtemp(join(tmpdir(), 'aiots-shutload-'));
  let nginx: Nginx | undefined;
  const cluster = UPSTREAM === 'cluster';
  try {
    // processes: two runApp processes, one upstream each. cluster: one
    // runApp({ workers: 2 }) on one port, listed PEERS times (nginx retries
    // on another peer only, never on the same one).
    const servers = cluster ? [await startServer(countsDir, 2)] : [await startServer(countsDir, 1), await startServer(countsDir, 1)];
    const ports = cluster ? Array.from({ length: PEERS }, () => servers[0]!.port) : servers.map((x) => x.port);
    nginx = await startNginx(ports);
    const clients = startClients(nginx.port, CONNECTIONS, DURATION + 120);
    const rampStart = performance.now();
    await Promise.race([clients.ready, clients.reports]);
    const ramp = (performance.now() - rampStart) / 1000;
    await delay((DURATION / 2) * 1000);
    // The victim: the first process, or the worker whose counts file came first.
    const victim = cluster ? (await readCounts(countsDir)).map((c) => c.pid).sort((x, y) => x - y)[0]! : servers[0]!.child.pid!;
    process.kill(victim, 'SIGKILL');
    await gone(victim);
    await delay((DURATION / 2) * 1000);
    clients.send('stop');
    const report = merge(await clients.reports);
    const survivor = cluster ? servers[0]! : servers[1]!;
    survivor.child.kill('SIGTERM');
    const [code, signal] = await exitWithin(survivor, 90);
    const log = await nginx.errorLog();
    const counts = await readCounts(countsDir);
    const killed = counts.find((c) => c.pid === victim);
    const rest = counts.filter((c) => c.pid !== victim);
    const accepted = counts.reduce((a, c) => a + c.started, 0);
    const completed = total(report.statuses);
    const ok = report.statuses['200'] ?? 0;
    const what = cluster ? `runApp({ workers: 2 }) listed ${PEERS} time${PEERS === 1 ? '' : 's'} as an upstream, one worker killed` : '2 aiots processes, one killed';
    console.log(`\nbehind nginx: ${int(CONNECTIONS)} client connections, ${what} with SIGKILL ${DURATION / 2} s into ${DURATION} s of load (ramp ${ramp.toFixed(1)} s), node ${process.version}\n`);
    table([
      ['requests sent (client)', int(report.sent)],
      ['accepted by the killed one (handlers started, last count ≤ 100 ms before the kill)', `${int(killed?.started ?? 0)}, of which returned ${int(killed?.returned ?? 0)}: ${int((killed?.started ?? 0) - (killed?.returned ?? 0))} in flight when killed`],
      ['accepted by the survivor', int(rest.reduce((a, c) => a + c.started, 0))],
      ['completed (client)', `${int(completed)} (statuses: ${detail(report.statuses)})`],
      ['accepted in all − completed 200 (handlers nginx ran twice, plus requests that failed after a handler started)', int(accepted - ok)],
      ['**failed as the client saw it (non-200, reset, unanswered)**', `**${int(completed - ok + total(report.resets) + report.hung)}**`],
      ['reset (request written, no response)', `${int(total(report.resets))} (${detail(report.resets)})`],
      ['connect errors', detail(report.connectErrors)],
      ['nginx: upstream errors logged', `${countLines(log, /\[error\]/)} (connect() refused: ${countLines(log, /connect\(\) failed \(111/)}, reset/closed while reading: ${countLines(log, /recv\(\) failed|prematurely closed/)})`],
      ['nginx: requests that found no live upstream', String(countLines(log, /no live upstreams/))],
      [cluster ? 'primary exit code after SIGTERM (1: a worker died)' : 'survivor exit code after SIGTERM', signal === null ? String(code) : `killed by ${signal}`],
      ['unparsed responses / hung slots', `${report.unparsed} / ${report.hung}`],
    ]);
    process.exitCode = ok === completed && total(report.resets) === 0 && report.hung === 0 ? 0 : 1;
  } finally {
    await nginx?.stop();
    await rm(countsDir, { recursive: true, force: true });
  }
}

try {
  if (args.nginx) await nginxRun();
  else await sigtermRun();
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
