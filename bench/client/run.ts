// HTTP client benchmark: N GET /hello/x at C concurrent requests against one
// raw node:http server (on core 0, this process on core 1), side by side:
// aiots ClientSession (plain, and inside a task), undici request, fetch,
// node:http with a keep-alive Agent.
// Usage: taskset -c 1 node --import tsx bench/client/run.ts [N=20000] [C=100] [slices=10]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import { ClientSession } from '../../src/client/index.js';
import { createTask } from '../../src/index.js';

const N = Number(process.argv[2] ?? 20_000);
const C = Number(process.argv[3] ?? 100);

const serverPath = fileURLToPath(new URL('./server.ts', import.meta.url));
const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', serverPath], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const base = `http://127.0.0.1:${port}`;
const url = `${base}/hello/x`;

type Client = { name: string; one: () => Promise<void>; close: () => Promise<void>; inTask?: boolean };

function aiotsClient(): Client {
  const session = new ClientSession();
  return {
    name: 'aiots ClientSession',
    one: async () => {
      const resp = await session.get(url);
      const text = await resp.text();
      if (text.length === 0) throw new Error('empty');
    },
    close: () => session.close(),
  };
}

// The same, run inside an aiots task (as under run()): the task context
// (AsyncLocalStorage) is live, which is how aiots code usually runs.
function aiotsTaskClient(): Client {
  return { ...aiotsClient(), name: 'aiots (inside a task)', inTask: true };
}

function undiciClient(): Client {
  const agent = new Agent({ keepAliveTimeout: 15_000 });
  return {
    name: 'undici request',
    one: async () => {
      const { body } = await request(url, { dispatcher: agent });
      const text = await body.text();
      if (text.length === 0) throw new Error('empty');
    },
    close: () => agent.close(),
  };
}

function fetchClient(): Client {
  return {
    name: 'fetch',
    one: async () => {
      const resp = await fetch(url);
      const text = await resp.text();
      if (text.length === 0) throw new Error('empty');
    },
    close: async () => {},
  };
}

function nodeHttpClient(): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: C });
  return {
    name: 'node:http Agent',
    one: () => new Promise<void>((resolve, reject) => {
      http.get(url, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => (text.length === 0 ? reject(new Error('empty')) : resolve()));
        res.on('error', reject);
      }).on('error', reject);
    }),
    close: async () => agent.destroy(),
  };
}

type Cost = { secs: number; cpu: number };

async function load(client: Client, n: number): Promise<Cost> {
  return client.inTask === true ? await createTask(() => loadNow(client, n)) : loadNow(client, n);
}

// Wall time and this process's CPU time: on a shared machine the wall clock
// swings with the neighbours' load, CPU time per request much less.
async function loadNow(client: Client, n: number): Promise<Cost> {
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

const makers = [aiotsClient, aiotsTaskClient, undiciClient, fetchClient, nodeHttpClient];
// Interleaved: each client runs N/SLICES requests in turn, SLICES times, the
// starting client rotating; a load spike from a neighbour then hits every
// client alike instead of one whole run.
const SLICES = Number(process.argv[4] ?? 10);
// A full collection before each slice, outside the timing: otherwise each
// client pays for the garbage the client before it left behind.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const clients = makers.map((make) => make());
const costs = new Map<string, Cost>();
try {
  for (const c of clients) await load(c, Math.min(2000, N)); // warm-up: sockets, JIT
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
  child.kill('SIGTERM');
}
const total = Math.ceil(N / SLICES) * SLICES;
const ref = costs.get('undici request') ?? { secs: 1, cpu: 1 };
console.log(`Node ${process.version}, ${total} requests per client, ${C} concurrent, interleaved in ${SLICES} slices`);
console.log('| client | req/s (wall) | vs undici | CPU µs/request | vs undici (CPU: higher is better) |\n|---|---:|---:|---:|---:|');
for (const [name, c] of costs) {
  console.log(`| ${name} | ${(total / c.secs).toFixed(0)} | ${(ref.secs / c.secs).toFixed(2)}× | ${(c.cpu / total * 1e6).toFixed(1)} | ${(ref.cpu / c.cpu).toFixed(2)}× |`);
}
