/**
 * CPU instructions per client request, counted by valgrind (callgrind): the
 * aiots ClientSession doing sequential GETs against a node:http server,
 * with undici's `request()` counted the same way as the peer. Unlike req/s,
 * the count hardly moves when other work shares the machine, so a change to
 * the request path can be judged to a percent or two.
 *
 *   cd bench && node --import tsx client/instructions.ts [--requests 5000] [--warmup 1000] [--extra LABEL=/path/to/src/client/index.ts]...
 *
 * `--extra` adds the aiots client of another checkout (a git worktree), to
 * measure a change before and after in the same run. `--middleware` also
 * counts this checkout's session with one pass-through middleware.
 *
 * Each client is bundled with esbuild (no TypeScript loader counted) and run
 * under callgrind twice: the warm-up alone, and the warm-up plus --requests.
 * The difference of the two totals divided by --requests is the steady-state
 * cost of a request in the client process (user space only).
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleServer } from '../http/lib/callgrind.js';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '1000' },
    extra: { type: 'string', multiple: true, default: [] },
    middleware: { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(opts.requests);
const WARMUP = Number(opts.warmup);
const here = fileURLToPath(new URL('.', import.meta.url));
const ownClient = fileURLToPath(new URL('../../src/client/index.ts', import.meta.url));

function aiotsDriver(clientPath: string, middleware: boolean): string {
  return `import { ClientSession } from ${JSON.stringify(clientPath)};
const session = new ClientSession(${middleware ? '{ middlewares: [(req, handler) => handler(req)] }' : ''});
const url = process.env.URL;
for (let i = 0, n = Number(process.env.N); i < n; i++) {
  const resp = await session.get(url);
  if ((await resp.text()).length === 0) throw new Error('empty');
}
await session.close();
`;
}

const undiciDriver = `import { Agent, request } from 'undici';
const agent = new Agent({ keepAliveTimeout: 15000 });
const url = process.env.URL;
for (let i = 0, n = Number(process.env.N); i < n; i++) {
  const { body } = await request(url, { dispatcher: agent });
  if ((await body.text()).length === 0) throw new Error('empty');
}
await agent.close();
`;

async function total(bundle: string, n: number, url: string, dir: string): Promise<number> {
  const out = join(dir, `cg.${process.hrtime.bigint()}.out`);
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-instr=no', process.execPath, bundle], {
    env: { ...process.env, N: String(n), URL: url }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the client exited with ${code}:\n${stderr.slice(-2000)}`);
  const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
  if (m === null) throw new Error('no total in callgrind\'s output');
  return Number(m[1]);
}

// The peer runs in this process (it is not counted): no time limit, however
// slowly valgrind runs the client on a busy machine.
const server = http.createServer((req, res) => {
  const body = `hello, ${(req.url ?? '/').slice(7)}!`;
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
});
server.keepAliveTimeout = 0;
server.headersTimeout = 0;
server.requestTimeout = 0;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const url = `http://127.0.0.1:${port}/hello/x`;
const dir = mkdtempSync(join(tmpdir(), 'aiots-client-cg-'));
const clients: [string, string][] = [['undici request', undiciDriver], ['aiots ClientSession', aiotsDriver(ownClient, false)]];
if (opts.middleware) clients.push(['aiots, one middleware', aiotsDriver(ownClient, true)]);
for (const e of opts.extra) {
  const eq = e.indexOf('=');
  clients.push([e.slice(0, eq), aiotsDriver(e.slice(eq + 1), false)]);
}
try {
  console.log(`Node ${process.version}, ${REQUESTS} sequential GETs after ${WARMUP} of warm-up, one keep-alive connection`);
  console.log('| client | instructions/request | vs undici |\n|---|---:|---:|');
  let ref = 0;
  for (const [i, [name, source]] of clients.entries()) {
    const entry = join(here, `.cg-driver-${i}.mts`);
    writeFileSync(entry, source);
    const bundle = join(dir, `driver-${i}.mjs`);
    try {
      await bundleServer(entry, bundle);
    } finally {
      rmSync(entry, { force: true });
    }
    const per = ((await total(bundle, WARMUP + REQUESTS, url, dir)) - (await total(bundle, WARMUP, url, dir))) / REQUESTS;
    if (i === 0) ref = per;
    console.log(`| ${name} | ${per.toFixed(0)} | ${(per / ref).toFixed(2)}× |`);
  }
} finally {
  server.close();
  server.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
}
