// HTTP client benchmark: N GET /hello/x at C concurrent requests against one
// raw node:http server (on core 0, this process on core 1), side by side:
// aiots ClientSession (plain, and inside a task), undici request, fetch,
// node:http with a keep-alive Agent.
// Usage: taskset -c 1 node --import tsx bench/client/run.ts [N=20000] [C=100] [rounds=3]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { ClientSession } from '../../src/client/index.js';
import { createTask } from '../../src/index.js';

const N = Number(process.argv[2] ?? 20_000);
const C = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 3);

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

function load(client: Client, n: number): Promise<number> {
  return client.inTask === true ? createTask(() => loadNow(client, n)) : loadNow(client, n);
}

async function loadNow(client: Client, n: number): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await client.one();
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: C }, worker));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const makers = [aiotsClient, aiotsTaskClient, undiciClient, fetchClient, nodeHttpClient];
const best = new Map<string, number>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const make of makers) {
      const client = make();
      await load(client, Math.min(2000, N)); // warm-up: sockets, JIT
      const secs = await load(client, N);
      await client.close();
      const rps = N / secs;
      best.set(client.name, Math.max(best.get(client.name) ?? 0, rps));
      console.log(`round ${round + 1}  ${client.name.padEnd(22)} ${rps.toFixed(0).padStart(7)} req/s`);
    }
  }
} finally {
  child.kill('SIGTERM');
}
const ref = best.get('undici request') ?? 1;
console.log(`\nNode ${process.version}, ${N} requests, ${C} concurrent, best of ${ROUNDS} rounds`);
console.log('| client | req/s | vs undici request |\n|---|---:|---:|');
for (const [name, rps] of best) console.log(`| ${name} | ${rps.toFixed(0)} | ${(rps / ref).toFixed(2)}× |`);
