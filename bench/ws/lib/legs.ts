/**
 * The servers of the WebSocket benchmark ("legs"), how to build and start
 * each, and the probes the drivers share: readiness, memory, peer versions.
 * @module
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** One server of the benchmark. */
export interface Leg {
  readonly id: string;
  readonly name: string;
  /** A Node server (bundled, run by each Node under test) or Python's aiohttp (run once, by Debian's python3). */
  readonly kind: 'node' | 'python';
  readonly file: string;
}

const SERVERS = fileURLToPath(new URL('../servers/', import.meta.url));
const BENCH = fileURLToPath(new URL('../../', import.meta.url));

const WS = join(BENCH, 'node_modules', 'ws');

/** Debian's Python, which has python3-aiohttp. */
export const PYTHON = '/usr/bin/python3';

export const LEGS: readonly Leg[] = [
  { id: 'ws', name: 'ws', kind: 'node', file: join(SERVERS, 'ws.ts') },
  { id: 'aiots', name: 'aiots', kind: 'node', file: join(SERVERS, 'aiots.ts') },
  { id: 'fastify', name: '@fastify/websocket', kind: 'node', file: join(SERVERS, 'fastify.ts') },
  { id: 'aiohttp', name: 'aiohttp (Python)', kind: 'python', file: join(SERVERS, 'aiohttp_server.py') },
];

/** The legs named in a comma-separated list; `extra` adds `LABEL=FILE.ts` Node servers (an older checkout's, say). */
export function pickLegs(list: string, extra: readonly string[] = []): Leg[] {
  const ids = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const legs: Leg[] = [];
  for (const id of ids) {
    const leg = LEGS.find((l) => l.id === id);
    if (leg === undefined) throw new RangeError(`unknown leg ${id}; known: ${LEGS.map((l) => l.id).join(', ')}`);
    if (leg.kind === 'python' && pythonAiohttp() === null) {
      console.error(`skipping ${leg.name}: ${PYTHON} with aiohttp not found (apt-get install python3-aiohttp)`);
      continue;
    }
    legs.push(leg);
  }
  for (const e of extra) {
    const eq = e.indexOf('=');
    if (eq <= 0 || !existsSync(e.slice(eq + 1))) throw new RangeError(`--extra must be LABEL=FILE with an existing file, got ${JSON.stringify(e)}`);
    legs.push({ id: e.slice(0, eq), name: e.slice(0, eq), kind: 'node', file: e.slice(eq + 1) });
  }
  return legs;
}

let aiohttpVersion: string | null | undefined;

/** The aiohttp version of Debian's Python, or null where there is none. */
export function pythonAiohttp(): string | null {
  if (aiohttpVersion !== undefined) return aiohttpVersion;
  try {
    aiohttpVersion = execFileSync(PYTHON, ['-c', 'import aiohttp; print(aiohttp.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    aiohttpVersion = null;
  }
  return aiohttpVersion;
}

/** A peer's version from bench/node_modules. */
export function peerVersion(name: string): string {
  return (JSON.parse(readFileSync(join(BENCH, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Bundles each Node leg with esbuild into `dir` (no TypeScript loader in the
 * measured process). Python legs map to their script.
 */
export async function bundleLegs(legs: readonly Leg[], dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const leg of legs) {
    if (leg.kind === 'python') {
      out.set(leg.id, leg.file);
      continue;
    }
    out.set(leg.id, await bundle(leg.file, join(dir, `${leg.id}.mjs`)));
  }
  return out;
}

/** Bundles one entry point into `outfile` (an ES module) and returns that path. */
export async function bundle(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning',
    // One `ws` for every leg: aiots's own dependency may be another patch release than bench's.
    alias: { ws: WS },
    // Peers that still call require() inside an ES module bundle.
    banner: { js: "import { createRequire as __aiotsCreateRequire } from 'node:module'; const require = __aiotsCreateRequire(import.meta.url);" },
  });
  return outfile;
}

/** The command line that runs a leg's built file: `[node, --single-threaded?, file]` or `[python3, file]`. */
export function legCommand(leg: Leg, node: string, file: string, singleThreaded = false): string[] {
  return leg.kind === 'python' ? [PYTHON, file] : [node, ...(singleThreaded ? ['--single-threaded'] : []), file];
}

/** Waits until GET / answers `ok` (a server under valgrind takes a while to start). */
export async function waitReady(port: number, child: ChildProcess, timeoutS = 300): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before answering`);
    const body = await new Promise<string | null>((resolve) => {
      get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (b += d));
        res.on('end', () => resolve(b));
      }).on('error', () => resolve(null));
    });
    if (body === 'ok') return;
    if (body !== null) throw new Error(`GET / answered ${JSON.stringify(body)}, expected "ok"`);
    await delay(200);
  }
  throw new Error(`the server did not answer within ${timeoutS} s`);
}

/** Resident set of a process, KiB. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const m = /^VmRSS:\s+(\d+)/m.exec(status);
  return m === null ? 0 : Number(m[1]);
}

/** CPU time (user + system) of a process, seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
