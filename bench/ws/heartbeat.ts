// What heartbeat costs on idle WebSockets: N client sockets (aiots
// `session.wsConnect`) to a bare `ws` server in another process, all idle,
// with `heartbeat: S` or none; reports CPU time per second of idle
// (process.cpuUsage), event-loop delay (perf_hooks.monitorEventLoopDelay),
// RSS, and the pings the server saw. Bounded: connect, settle, measure, exit.
//
// Usage (check `ulimit -n` first: each side holds N sockets):
//   node --import tsx bench/ws/heartbeat.ts [--sockets 10000] [--heartbeat 1] [--seconds 10] [--aiots <checkout>]
// `--heartbeat 0` opens the sockets without heartbeat (the baseline);
// `--aiots` points at another aiots checkout (e.g. a worktree of main) to
// measure its src/ with the same script.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '10000' },
    heartbeat: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    settle: { type: 'string', default: '3' },
    aiots: { type: 'string', default: fileURLToPath(new URL('../..', import.meta.url)) },
  },
});
const N = Number(values.sockets);
const heartbeat = Number(values.heartbeat);
const seconds = Number(values.seconds);
const settle = Number(values.settle);
const root = values.aiots;

type ClientModule = typeof import('../../src/client/index.js');
type Ws = Awaited<ReturnType<InstanceType<ClientModule['ClientSession']>['wsConnect']>>;
const { ClientSession } = (await import(pathToFileURL(`${root}/src/client/index.ts`).href)) as ClientModule;

const serverPath = fileURLToPath(new URL('./idle-server.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', serverPath], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout });
let pings = 0;
let port = 0;
const ready = new Promise<void>((resolve) => {
  lines.on('line', (line) => {
    const [k, v] = line.split(' ');
    if (k === 'port') {
      port = Number(v);
      resolve();
    } else if (k === 'pings') pings = Number(v);
  });
});
await ready;

const session = new ClientSession();
const url = `ws://127.0.0.1:${port}/`;
const options = heartbeat > 0 ? { heartbeat, compress: false } : { compress: false };
const sockets: Ws[] = [];
const t0 = performance.now();
for (let i = 0; i < N; i += 200) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + 200); j++) batch.push(session.wsConnect(url, options));
  sockets.push(...(await Promise.all(batch)));
}
const connectS = (performance.now() - t0) / 1000;
await new Promise((r) => setTimeout(r, settle * 1000));

globalThis.gc?.();
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const pings0 = pings;
const cpu0 = process.cpuUsage();
const w0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const wall = (performance.now() - w0) / 1000;
delay.disable();
// The server reports once a second: wait for one more line.
await once(lines, 'line');
const pingsSeen = pings - pings0;
const rss = process.memoryUsage().rss;
const open = sockets.filter((s) => !s.closed).length;

const ms = (ns: number): string => (ns / 1e6).toFixed(2);
console.log(JSON.stringify({
  aiots: root,
  node: process.version,
  sockets: N,
  open,
  heartbeat: heartbeat > 0 ? heartbeat : null,
  connectSeconds: Number(connectS.toFixed(1)),
  idleSeconds: Number(wall.toFixed(2)),
  cpuMsPerIdleSecond: Number(((cpu.user + cpu.system) / 1000 / wall).toFixed(1)),
  eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
  rssMiB: Number((rss / 2 ** 20).toFixed(1)),
  pingsPerSecondAtServer: Math.round(pingsSeen / (wall + 1)),
}));

await session.close();
child.stdin.end();
await once(child, 'exit');
process.exit(0);
