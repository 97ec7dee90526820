/**
 * Soak: the seed's server under steady load for a long while, on 127.0.0.1
 * only; does its memory stay flat once warm?
 *
 * Two child processes: the server (`soak-server.ts`: the seed's handlers
 * with their 0.5 s sleep and a WebSocket echo route, under `runApp`, with
 * `--expose-gc`) and the load (`soak-load.ts`: 1,000 keep-alive sockets
 * looping the seed's requests with churn, `ClientSession` loops and
 * WebSocket echo clients). The server samples RSS, heapUsed after a full
 * collection and the event-loop delay p99 every `--sample` seconds. After
 * `--minutes`, the load stops, the server takes one more sample idle, and
 * it gets SIGTERM. The script then measures drift from the first sample at
 * or after `--warmup` minutes, writes every sample and figure as JSON
 * (`--out`) and the plot as SVG (`--svg`), and prints a table row for
 * docs/reliability.md.
 *
 *   node --import tsx bench/stress/soak.ts --minutes 60 [--warmup 5] [--sample 60]
 *     [--connections 1000] [--churn 0.02] [--sessions 20] [--ws 50]
 *     [--out docs/img/soak.json] [--svg docs/img/soak.svg] [--snapshots DIR]
 *
 * Exits 1 if a client saw an error or a bad answer, or the server did not
 * exit 0; the drift verdict is printed, not enforced (a shared machine).
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadCounts } from './soak-load.js';
import type { Sample } from './soak-server.js';
import { drift, svg } from './soak-report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    sample: { type: 'string', default: '60' },
    connections: { type: 'string', default: '1000' },
    churn: { type: 'string', default: '0.02' },
    sessions: { type: 'string', default: '20' },
    ws: { type: 'string', default: '50' },
    'ws-pause': { type: 'string', default: '0.1' },
    'ws-messages': { type: 'string', default: '200' },
    out: { type: 'string', default: resolve(ROOT, 'docs/img/soak.json') },
    svg: { type: 'string', default: resolve(ROOT, 'docs/img/soak.svg') },
    // A directory: heap snapshots of the server at the end of warm-up and at the end, for heap-diff.ts.
    snapshots: { type: 'string' },
    // A JSON file a run wrote: figures and plot made again from its samples, without running.
    from: { type: 'string' },
  },
});
function num(name: 'minutes' | 'warmup' | 'sample', min: number): number {
  const n = Number(opts[name]);
  if (!Number.isFinite(n) || n < min) throw new RangeError(`soak: --${name} must be a number >= ${min}, got ${JSON.stringify(opts[name])}`);
  return n;
}
const MINUTES = num('minutes', 0);
const WARMUP = num('warmup', 0);
const SAMPLE = num('sample', 0.1);
if (MINUTES * 60 < SAMPLE) throw new RangeError('soak: --minutes must last at least one --sample interval');

// tsx is resolved from the repository's root, whatever the caller's directory.
function start(file: string, args: string[], execArgv: string[]): ChildProcess {
  return fork(resolve(HERE, file), args, { cwd: ROOT, execArgv: [...execArgv, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

type Msg = { type: 'listening'; port: number } | { type: 'started' } | { type: 'snapshot'; file: string } | Sample | LoadCounts;

function next<T extends Msg['type']>(child: ChildProcess, type: T, seconds: number): Promise<Extract<Msg, { type: T }>> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`soak: no '${type}' message within ${seconds} s`)); }, seconds * 1000);
    const onMessage = (m: Msg): void => {
      if (m.type === type) { cleanup(); resolvePromise(m as Extract<Msg, { type: T }>); }
    };
    const onExit = (code: number | null, signal: string | null): void => { cleanup(); reject(new Error(`soak: child exited (${code ?? signal}) before '${type}'`)); };
    function cleanup(): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

const MB = 1024 * 1024;
const fmt = (b: number): string => (b / MB).toFixed(1);
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const log = (line: string): void => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** What a run records; the figures are computed from it (again with `--from`). */
interface RunRecord {
  readonly command: string;
  readonly node: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly options: { readonly minutes: number; readonly warmup: number; readonly sample: number; readonly connections: number; readonly churn: number; readonly sessions: number; readonly ws: number; readonly wsPause: number; readonly wsMessages: number };
  readonly loadavg: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly server: { readonly exitCode: number | null; readonly signal: string | null };
  readonly loadExitCode: number | null;
  readonly clients: LoadCounts;
  readonly samples: readonly Sample[];
}

async function runSoak(): Promise<RunRecord> {
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const server = start('soak-server.ts', ['--sample', String(SAMPLE)], ['--expose-gc']);
  const samples: Sample[] = [];
  let latest: LoadCounts | undefined;
  // Set once the load runs; the server's first samples may come before.
  const loadRef: { child?: ChildProcess } = {};
  let loadStopped = false;
  server.on('message', (m: Msg) => {
    if (m.type !== 'sample') return;
    // Only samples under load count, and the one taken idle on purpose at the end.
    if (loadStopped && !m.onDemand) return;
    samples.push(m);
    const c = latest;
    log(`t=${(m.t / 60).toFixed(1)} min rss=${fmt(m.rss)} MB heapUsed=${fmt(m.heapUsed)} MB loop p99=${m.loopP99.toFixed(1)} ms`
      + ` requests=${m.requests} ws=${m.wsOpened}/${m.wsMessages}${m.onDemand ? ' (idle, after the load)' : ''}`
      + (c === undefined || m.onDemand ? '' : ` | client ok=${c.httpOk} bad=${c.httpBad} err=${c.httpErrors} conns=${c.connectionsOpened} session=${c.sessionOk}/${c.sessionErrors} ws=${c.wsEchoes}/${c.wsErrors}`));
    if (loadRef.child?.connected === true && !m.onDemand) loadRef.child.send({ cmd: 'counts' });
  });
  const { port } = await next(server, 'listening', 60);
  // A child that dies before the end is the finding: say so and stop, rather than wait out the run.
  let ending = false;
  function died(who: string) {
    return (code: number | null, signal: string | null): void => {
      if (ending) return;
      log(`the ${who} exited early (${code ?? signal}); ${samples.length} samples: ${JSON.stringify(samples.at(-1))}`);
      server.kill('SIGKILL');
      loadRef.child?.kill('SIGKILL');
      process.exit(1);
    };
  }
  server.once('exit', died('server'));
  log(`server on 127.0.0.1:${port}, pid ${server.pid}; sampling every ${SAMPLE} s for ${MINUTES} min (warm-up ${WARMUP} min)`);

  const load = start('soak-load.ts', [
    '--port', String(port), '--connections', opts.connections, '--churn', opts.churn, '--sessions', opts.sessions,
    '--ws', opts.ws, '--ws-pause', opts['ws-pause'], '--ws-messages', opts['ws-messages'],
  ], []);
  loadRef.child = load;
  load.once('exit', died('load'));
  load.on('message', (m: Msg) => { if (m.type === 'counts') latest = m; });
  await next(load, 'started', 120);
  log(`load started, pid ${load.pid}`);

  async function snapshot(name: string): Promise<void> {
    if (opts.snapshots === undefined) return;
    mkdirSync(opts.snapshots, { recursive: true });
    const written = next(server, 'snapshot', 300);
    server.send({ cmd: 'snapshot', file: resolve(opts.snapshots, `${name}.heapsnapshot`) });
    log(`heap snapshot: ${(await written).file}`);
  }
  const t0 = Date.now();
  if (opts.snapshots !== undefined && WARMUP < MINUTES) {
    // Half an interval after the warm-up's end, so it does not block the sample drift is measured from.
    await new Promise((r) => setTimeout(r, WARMUP * 60_000 + (SAMPLE * 1000) / 2));
    await snapshot('warm');
  }
  await new Promise((r) => setTimeout(r, Math.max(0, MINUTES * 60_000 - (Date.now() - t0))));
  await snapshot('end');

  // The load stops first (each client finishes what it is doing), then one sample of the idle server.
  const finalCounts = next(load, 'counts', 60);
  loadStopped = true;
  ending = true;
  load.send({ cmd: 'stop' });
  let counts = await finalCounts;
  while (!counts.final) counts = await next(load, 'counts', 60);
  const loadExit = await (load.exitCode === null ? once(load, 'exit') : [load.exitCode]) as [number | null];
  await new Promise((r) => setTimeout(r, 2000));
  const idle = next(server, 'sample', 30);
  server.send({ cmd: 'sample' });
  await idle;
  const serverExited = once(server, 'exit') as Promise<[number | null, string | null]>;
  server.kill('SIGTERM');
  const [serverCode, serverSignal] = await serverExited;
  return {
    command: `node --import tsx bench/stress/soak.ts ${process.argv.slice(2).join(' ')}`.trim(),
    node: process.version,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    options: { minutes: MINUTES, warmup: WARMUP, sample: SAMPLE, connections: Number(opts.connections), churn: Number(opts.churn), sessions: Number(opts.sessions), ws: Number(opts.ws), wsPause: Number(opts['ws-pause']), wsMessages: Number(opts['ws-messages']) },
    loadavg: { start: loadAtStart, end: loadavg() },
    server: { exitCode: serverCode, signal: serverSignal },
    loadExitCode: loadExit[0],
    clients: counts,
    samples,
  };
}

/** Writes the record with its figures (`--out`) and the plot (`--svg`), prints them, and sets the exit code. */
function report(rec: RunRecord): void {
  const { minutes, warmup, sample, connections } = rec.options;
  const counts = rec.clients;
  const d = drift(rec.samples, warmup * 60, sample);
  const idleSample = rec.samples[rec.samples.length - 1]!;
  const MBh = (bytesPerSecond: number): number => (bytesPerSecond * 3600) / MB;
  const result = {
    ...rec,
    drift: d === null ? null : {
      baseT: d.base.t, lastT: d.last.t, baseRss: d.base.rss, lastRss: d.last.rss, baseHeapUsed: d.base.heapUsed, lastHeapUsed: d.last.heapUsed,
      rssLast: d.rssLast, rssMax: d.rssMax, heapLast: d.heapLast, heapMax: d.heapMax,
      rssSlopeMBPerHour: MBh(d.rssSlope), heapSlopeMBPerHour: MBh(d.heapSlope), loopP99Median: d.loopP99Median, loopP99Max: d.loopP99Max,
    },
    idleAfterLoad: { rss: idleSample.rss, heapUsed: idleSample.heapUsed },
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(result, null, 1)}\n`);
  const title = d === null
    ? `aiots soak, ${minutes} min (too short for a drift after warm-up)`
    : `aiots soak, ${minutes} min, ${connections.toLocaleString('en')} keep-alive connections + churn, ClientSession, WebSocket echo: RSS drift ${pct(d.rssLast)} (max ${pct(d.rssMax)})`;
  mkdirSync(dirname(opts.svg), { recursive: true });
  writeFileSync(opts.svg, svg(rec.samples, warmup * 60, title));

  const clientFailures = counts.httpBad + counts.httpErrors + counts.sessionBad + counts.sessionErrors + counts.wsBad + counts.wsErrors;
  log(`clients: ${JSON.stringify(counts)}`);
  log(`server exit ${rec.server.exitCode ?? rec.server.signal}; wrote ${relative(process.cwd(), opts.out)} and ${relative(process.cwd(), opts.svg)}`);
  if (d === null) {
    log('no sample after the warm-up: no drift figure');
  } else {
    log(`RSS ${fmt(d.base.rss)} MB at ${(d.base.t / 60).toFixed(1)} min → ${fmt(d.last.rss)} MB at ${(d.last.t / 60).toFixed(1)} min: drift ${pct(d.rssLast)}, max ${pct(d.rssMax)}, trend ${MBh(d.rssSlope).toFixed(1)} MB/h; goal ≤ 10%: ${d.rssMax <= 0.1 ? 'met' : 'NOT met'}`);
    log(`heapUsed ${fmt(d.base.heapUsed)} → ${fmt(d.last.heapUsed)} MB: drift ${pct(d.heapLast)}, max ${pct(d.heapMax)}, trend ${MBh(d.heapSlope).toFixed(2)} MB/h; loop delay p99 median ${d.loopP99Median.toFixed(1)} ms, max ${d.loopP99Max.toFixed(1)} ms`);
    console.log('\n| run | requests answered (raw / ClientSession) | WS echoes | connections opened | client errors | RSS after warm-up → end | RSS drift (end, max), trend | heapUsed after gc, trend | loop p99 median, max | idle after load |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    console.log(`| ${minutes} min, Node ${rec.node} | ${counts.httpOk.toLocaleString('en')} / ${counts.sessionOk.toLocaleString('en')} | ${counts.wsEchoes.toLocaleString('en')} | ${counts.connectionsOpened.toLocaleString('en')} | ${clientFailures} | ${fmt(d.base.rss)} → ${fmt(d.last.rss)} MB | ${pct(d.rssLast)}, ${pct(d.rssMax)}; ${MBh(d.rssSlope).toFixed(1)} MB/h | ${fmt(d.base.heapUsed)} → ${fmt(d.last.heapUsed)} MB (${pct(d.heapLast)}); ${MBh(d.heapSlope).toFixed(2)} MB/h | ${d.loopP99Median.toFixed(1)} ms, ${d.loopP99Max.toFixed(1)} ms | RSS ${fmt(idleSample.rss)} MB, heap ${fmt(idleSample.heapUsed)} MB |`);
  }
  if (clientFailures > 0) log(`client errors: ${counts.errorSamples.join(' || ')}`);
  process.exitCode = clientFailures > 0 || rec.server.exitCode !== 0 ? 1 : 0;
}

report(opts.from === undefined ? await runSoak() : JSON.parse(readFileSync(opts.from, 'utf8')) as RunRecord);
