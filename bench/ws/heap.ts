/**
 * Where an idle WebSocket's memory goes, server by server: a heap snapshot
 * of the server with no socket open and one with N idle `/sub` sockets
 * (Node's `--heapsnapshot-signal`; V8 collects before it writes), the
 * objects grouped by constructor (closures by function name), their self
 * sizes summed, and the difference divided by N. What lives as long as the
 * socket is the sum of those rows.
 *
 *   cd bench && node --import tsx ws/heap.ts [--legs ws,ws-loop,aiots] [--sockets 2000] [--node PATH] [--top 40]
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values: opts } = parseArgs({
  options: {
    legs: { type: 'string', default: 'ws,ws-loop,aiots' },
    sockets: { type: 'string', default: '2000' },
    node: { type: 'string', default: process.execPath },
    top: { type: 'string', default: '40' },
    port: { type: 'string', default: '3917' },
    retainers: { type: 'boolean', default: false },
  },
});
const N = Number(opts.sockets);
const TOP = Number(opts.top);
const PORT = Number(opts.port);
const SERVERS = fileURLToPath(new URL('servers/', import.meta.url));

function httpGet(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: PORT, path, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
}

async function ready(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await httpGet('/');
      return;
    } catch {
      await delay(100);
    }
  }
  throw new Error('server did not start');
}

type Sizes = Map<string, { size: number; count: number }>;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

function keyOf(type: string, name: string): string {
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return '(string)';
  if (type === 'closure') return `(closure) ${name || '(anonymous)'}`;
  if (type === 'number') return '(heap number)';
  if (type === 'code') return '(code)';
  if (type === 'array') return `(array) ${name}`;
  if (type === 'object' || type === 'native' || type === 'hidden' || type === 'object shape') return `${type === 'object' ? '' : `(${type}) `}${name.length > 60 ? name.slice(0, 60) : name}`;
  return `(${type})`;
}

/**
 * For the objects of `full` that `empty` does not have: grouped by their own
 * key and their first strong retainer (its key and the edge's name), bytes
 * per socket. Names what the anonymous rows (Object, arrays, closures) are.
 */
function retainers(empty: Snapshot, full: Snapshot): { key: string; size: number; count: number }[] {
  const f = full.snapshot.meta.node_fields;
  const w = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iId = f.indexOf('id');
  const iSize = f.indexOf('self_size');
  const iEdges = f.indexOf('edge_count');
  const ef = full.snapshot.meta.edge_fields;
  const ew = ef.length;
  const eType = ef.indexOf('type');
  const eName = ef.indexOf('name_or_index');
  const eTo = ef.indexOf('to_node');
  const types = full.snapshot.meta.node_types[0];
  const etypes = full.snapshot.meta.edge_types[0];
  const old = new Set<number>();
  for (let i = 0; i < empty.nodes.length; i += w) old.add(empty.nodes[i + iId]!);
  const owner = new Map<number, string>();
  let e = 0;
  for (let i = 0; i < full.nodes.length; i += w) {
    const from = keyOf(types[full.nodes[i + iType]!]!, full.strings[full.nodes[i + iName]!]!);
    const n = full.nodes[i + iEdges]!;
    for (let k = 0; k < n; k++, e += ew) {
      const et = etypes[full.edges[e + eType]!]!;
      if (et === 'weak' || et === 'shortcut') continue;
      const to = full.edges[e + eTo]!;
      if (owner.has(to)) continue;
      const raw = full.edges[e + eName]!;
      const edge = et === 'element' || et === 'hidden' ? `[${raw}]` : full.strings[raw]!;
      owner.set(to, `${from} .${edge}`);
    }
  }
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < full.nodes.length; i += w) {
    if (old.has(full.nodes[i + iId]!)) continue;
    const key = `${keyOf(types[full.nodes[i + iType]!]!, full.strings[full.nodes[i + iName]!]!)} ← ${owner.get(i) ?? '?'}`;
    const g = out.get(key) ?? { size: 0, count: 0 };
    g.size += full.nodes[i + iSize]!;
    g.count++;
    out.set(key, g);
  }
  return Array.from(out, ([key, g]) => ({ key, size: g.size / N, count: g.count / N })).sort((x, y) => y.size - x.size);
}

/** Self sizes per constructor of one snapshot. */
function group(snap: Snapshot): Sizes {
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out: Sizes = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const key = keyOf(types[snap.nodes[i + iType]!]!, snap.strings[snap.nodes[i + iName]!]!);
    const g = out.get(key) ?? { size: 0, count: 0 };
    g.size += snap.nodes[i + iSize]!;
    g.count++;
    out.set(key, g);
  }
  return out;
}

function load(file: string): Snapshot {
  return JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
}

async function snapshot(dir: string, child: ReturnType<typeof spawn>): Promise<string> {
  const before = new Set(readdirSync(dir));
  child.kill('SIGUSR2');
  // The server writes the snapshot synchronously: once it answers again, the file is whole.
  for (;;) {
    await delay(500);
    const fresh = readdirSync(dir).filter((n) => n.endsWith('.heapsnapshot') && !before.has(n));
    if (fresh.length > 0) {
      await httpGet('/');
      return join(dir, fresh[0]!);
    }
  }
}

async function leg(name: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wsheap-'));
  const child = spawn(opts.node, ['--expose-gc', '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`, '--import', 'tsx', join(SERVERS, `${name}.ts`)], {
    cwd: fileURLToPath(new URL('../', import.meta.url)),
    env: { ...process.env, PORT: String(PORT) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await ready();
    // Warm the handshake path with a few sockets first, so the code and maps they create are in both snapshots.
    const warm = await open(50);
    for (const c of warm) c.terminate();
    await delay(500);
    await httpGet('/gc');
    const empty = await snapshot(dir, child);
    const clients = await open(N);
    await delay(1000);
    await httpGet('/gc');
    const full = await snapshot(dir, child);
    for (const c of clients) c.terminate();
    const emptySnap = load(empty);
    const fullSnap = load(full);
    const a = group(emptySnap);
    const b = group(fullSnap);
    const rows: { key: string; size: number; count: number }[] = [];
    let total = 0;
    for (const [key, g] of b) {
      const g0 = a.get(key) ?? { size: 0, count: 0 };
      const size = (g.size - g0.size) / N;
      const count = (g.count - g0.count) / N;
      total += size;
      rows.push({ key, size, count });
    }
    rows.sort((x, y) => y.size - x.size);
    console.log(`\n### ${name} (${opts.node}), ${N} idle sockets: ${total.toFixed(0)} bytes of JS heap per socket\n`);
    console.log('| constructor | bytes per socket | objects per socket |');
    console.log('|---|---:|---:|');
    for (const r of rows.slice(0, TOP)) if (Math.abs(r.size) >= 8) console.log(`| ${r.key.replaceAll('|', '\\|')} | ${r.size.toFixed(0)} | ${r.count.toFixed(2)} |`);
    if (opts.retainers) {
      console.log(`\nThe objects new in the second snapshot by first strong retainer (${name}):\n`);
      console.log('| object ← retainer .edge | bytes per socket | objects per socket |');
      console.log('|---|---:|---:|');
      for (const r of retainers(emptySnap, fullSnap).slice(0, TOP)) if (r.size >= 8) console.log(`| ${r.key.replaceAll('|', '\\|')} | ${r.size.toFixed(0)} | ${r.count.toFixed(2)} |`);
    }
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

async function open(n: number): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, () => {
        const c = new WebSocket(`ws://127.0.0.1:${PORT}/sub`, { perMessageDeflate: false });
        return once(c, 'open').then(() => c);
      }),
    );
    out.push(...batch);
  }
  return out;
}

for (const name of opts.legs.split(',')) await leg(name);
process.exit(0);
