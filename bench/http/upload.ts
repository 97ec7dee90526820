/**
 * A multipart/form-data upload streamed to disk: aiots `request.multipart()`
 * vs `@fastify/multipart` vs bare `busboy` on node:http. Each server runs in
 * its own process, fresh for each upload size, so its peak RSS shows whether
 * memory grows with the upload. Reports MB/s (best of `--runs`), the server's
 * CPU seconds per GB (which a loaded machine distorts less than wall time;
 * its × busboy column is busboy's CPU over the server's: above 1 is cheaper)
 * and peak RSS.
 *
 *   cd bench && node --import tsx http/upload.ts [--sizes 10,100] [--runs 3]
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,100' },
    runs: { type: 'string', default: '3' },
    servers: { type: 'string', default: 'busboy,aiots,fastify' },
  },
});
const SIZES = opts.sizes.split(',').map(Number);
const RUNS = Number(opts.runs);
const SERVERS = opts.servers.split(',');
const MIB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const BOUNDARY = '----aiotsbench';
const HEAD = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
const TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

async function upload(port: number, size: number): Promise<number> {
  const start = performance.now();
  const req = request({
    host: '127.0.0.1', port, method: 'POST', path: '/upload',
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': HEAD.length + size + TAIL.length },
  });
  const answered = once(req, 'response');
  req.write(HEAD);
  for (let sent = 0; sent < size; sent += CHUNK.length) {
    if (!req.write(size - sent >= CHUNK.length ? CHUNK : CHUNK.subarray(0, size - sent))) await once(req, 'drain');
  }
  req.end(TAIL);
  const [res] = await answered as [import('node:http').IncomingMessage];
  let text = '';
  for await (const c of res) text += String(c);
  if (Number(text) !== size) throw new Error(`the server wrote ${text} bytes of ${size}`);
  return (performance.now() - start) / 1000;
}

async function get(port: number, path: string): Promise<string> {
  const req = request({ host: '127.0.0.1', port, path });
  req.end();
  const [res] = await once(req, 'response') as [import('node:http').IncomingMessage];
  let text = '';
  for await (const c of res) text += String(c);
  return text;
}

const dir = mkdtempSync(join(tmpdir(), 'aiots-upload-bench-'));
const rows: string[][] = [];
const mbps = new Map<string, number>();
const cpu = new Map<string, number>();
try {
  for (const sizeMib of SIZES) {
    for (const kind of SERVERS) {
      const child = spawn(process.execPath, ['--import', 'tsx', new URL('./upload/server.ts', import.meta.url).pathname, kind, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [line] = await once(child.stdout, 'data') as [Buffer];
      const port = Number(line.toString().trim());
      // One small upload first: JIT warm-up, on client and server alike.
      await upload(port, MIB);
      const before = JSON.parse(await get(port, '/stats')) as { rss: number; cpu: number };
      let best = Infinity;
      for (let i = 0; i < RUNS; i++) best = Math.min(best, await upload(port, sizeMib * MIB));
      const after = JSON.parse(await get(port, '/stats')) as { rss: number; cpu: number };
      const startRss = before.rss;
      const peak = after.rss;
      // CPU time is what a loaded machine does not distort: the server's, per GB uploaded.
      const cpuPerGb = (after.cpu - before.cpu) / 1e6 / (RUNS * sizeMib * MIB / 1e9);
      cpu.set(`${kind} ${sizeMib}`, cpuPerGb);
      child.kill();
      await once(child, 'exit');
      const rate = sizeMib * MIB / 1e6 / best;
      mbps.set(`${kind} ${sizeMib}`, rate);
      const base = cpu.get(`busboy ${sizeMib}`) ?? cpuPerGb;
      rows.push([`${sizeMib} MiB`, kind, rate.toFixed(0), (rate / (mbps.get(`busboy ${sizeMib}`) ?? rate)).toFixed(2), cpuPerGb.toFixed(2), (base / cpuPerGb).toFixed(2), (startRss / MIB).toFixed(0), (peak / MIB).toFixed(0)]);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`Node ${process.version}, best of ${RUNS} runs per size after a 1 MiB warm-up, each server in a fresh process per size; RSS at start is after the warm-up`);
console.log('| upload | server | MB/s (wall) | × busboy | server CPU s per GB | × busboy (CPU) | RSS at start (MiB) | peak RSS (MiB) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
