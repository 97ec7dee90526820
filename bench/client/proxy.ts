// HTTP client through a local proxy (Debian's squid): N GET /hello/x at C
// concurrent requests, the target a raw node:http server (core 0, with
// squid), this process on core 1. Side by side: aiots ClientSession({ proxy })
// and undici's ProxyAgent alone, both sending absolute-form requests
// (aiohttp's way for an http target; undici's `proxyTunnel: false`), and
// undici's default (a CONNECT tunnel even for http) for reference.
// Usage: taskset -c 1 node --import tsx bench/client/proxy.ts [N=10000] [C=50] [slices=10]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ProxyAgent, request } from 'undici';
import { ClientSession } from '../../src/client/index.js';

const N = Number(process.argv[2] ?? 10_000);
const C = Number(process.argv[3] ?? 50);
const SLICES = Number(process.argv[4] ?? 10);
const SQUID = process.env.SQUID ?? '/usr/sbin/squid';
if (!existsSync(SQUID)) {
  console.error(`squid not found at ${SQUID}: apt-get install squid (or set SQUID=)`);
  process.exit(2);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing on port ${port}`);
}

const serverPath = fileURLToPath(new URL('./server.ts', import.meta.url));
const server = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', serverPath], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  server.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const dir = mkdtempSync(join(tmpdir(), 'aiots-bench-squid-'));
chmodSync(dir, 0o777);
const proxyPort = await freePort();
writeFileSync(join(dir, 'squid.conf'), `http_port 127.0.0.1:${proxyPort}
pid_filename ${dir}/squid.pid
cache_log ${dir}/cache.log
access_log none
cache deny all
coredump_dir ${dir}
visible_hostname aiots-bench
shutdown_lifetime 0 seconds
dns_nameservers 127.0.0.1
http_access allow localhost
http_access deny all
`);
const squid = spawn('taskset', ['-c', '0', SQUID, '-N', '-f', join(dir, 'squid.conf')], { stdio: 'ignore' });
await listening(proxyPort);
const proxy = `http://127.0.0.1:${proxyPort}`;
const url = `http://127.0.0.1:${port}/hello/x`;

type Client = { name: string; one: () => Promise<void>; close: () => Promise<void> };

function aiotsClient(): Client {
  const session = new ClientSession({ proxy });
  return {
    name: 'aiots ClientSession({ proxy })',
    one: async () => {
      const text = await (await session.get(url)).text();
      if (text.length === 0) throw new Error('empty');
    },
    close: () => session.close(),
  };
}

function undiciClient(tunnel: boolean): Client {
  const agent = new ProxyAgent({ uri: proxy, proxyTunnel: tunnel, keepAliveTimeout: 15_000 });
  return {
    name: tunnel ? 'undici ProxyAgent (CONNECT tunnel)' : 'undici ProxyAgent (absolute-form)',
    one: async () => {
      const { body } = await request(url, { dispatcher: agent });
      const text = await body.text();
      if (text.length === 0) throw new Error('empty');
    },
    close: () => agent.close(),
  };
}

type Cost = { secs: number; cpu: number };

async function load(client: Client, n: number): Promise<Cost> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await client.one();
    }
  };
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: C }, worker));
  const c1 = process.cpuUsage(c0);
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c1.user + c1.system) / 1e6 };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const clients = [aiotsClient(), undiciClient(false), undiciClient(true)];
const costs = new Map<string, Cost>();
try {
  for (const c of clients) await load(c, Math.min(1000, N));
  const per = Math.ceil(N / SLICES);
  for (let slice = 0; slice < SLICES; slice++) {
    for (let k = 0; k < clients.length; k++) {
      const c = clients[(slice + k) % clients.length] as Client;
      gc();
      const cost = await load(c, per);
      const sum = costs.get(c.name) ?? { secs: 0, cpu: 0 };
      costs.set(c.name, { secs: sum.secs + cost.secs, cpu: sum.cpu + cost.cpu });
    }
  }
} finally {
  for (const c of clients) await c.close();
  server.kill('SIGTERM');
  squid.kill('SIGTERM');
  await new Promise((r) => squid.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
const total = Math.ceil(N / SLICES) * SLICES;
const ref = costs.get('undici ProxyAgent (absolute-form)') ?? { secs: 1, cpu: 1 };
const squidVersion = execFileSync(SQUID, ['-v'], { encoding: 'utf8' }).split('\n')[0];
console.log(`Node ${process.version}, ${squidVersion}, ${total} requests per client, ${C} concurrent, interleaved in ${SLICES} slices`);
console.log('| client | req/s (wall) | vs undici ProxyAgent | CPU µs/request | vs undici (CPU: higher is better) |\n|---|---:|---:|---:|---:|');
for (const [name, c] of costs) {
  console.log(`| ${name} | ${(total / c.secs).toFixed(0)} | ${(ref.secs / c.secs).toFixed(2)}× | ${(c.cpu / total * 1e6).toFixed(1)} | ${(ref.cpu / c.cpu).toFixed(2)}× |`);
}
