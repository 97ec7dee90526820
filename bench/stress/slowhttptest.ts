/**
 * slowhttptest (Debian) against `runApp` with its defaults
 * (test/reliability/slow-target.ts: the seed's app plus `/ping`, `/upload`,
 * `/big`, `/file`), one mode after another. For each mode: the probe's
 * latency idle and during the attack (`/ping`, which answers at once, and the
 * seed's `/hello/{name}`, 0.5 s), the server's peak RSS, and the connections
 * the server cut (its own count) with how long each had lived.
 *
 *   node --import tsx bench/stress/slowhttptest.ts [--modes H,B,X,R] [--connections 1000] [--duration 90] [--rate 200] [--options '{"requestTimeout":60}']
 *
 * Loopback only; each mode stops after `--duration` seconds (slowhttptest's
 * `-l`) and the script waits up to 30 s more for the slow connections to go.
 * @module
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    modes: { type: 'string', default: 'H,B,X,R' },
    connections: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '90' },
    rate: { type: 'string', default: '200' },
    options: { type: 'string', default: '{}' },
  },
});
const MODES = opts.modes.split(',');
const CONNECTIONS = Number(opts.connections);
const DURATION = Number(opts.duration);

interface Status {
  accepted: number;
  open: number;
  peakOpen: number;
  cutByServer: number;
  closedAfterAnswer: number;
  closedByClient: number;
  rss: number;
  peakRss: number;
  cuts: number[];
  loopDelayMs: { p99: number; max: number };
}

let base = '';

function get(path: string, method = 'GET'): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, agent: false, headers: { Connection: 'close' }, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

async function status(reset = false): Promise<Status> {
  return JSON.parse((await get(`/status?all=1${reset ? '&reset=1' : ''}`)).body) as Status;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor(s.length / 2)] as number);
};
const p99 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] as number);
};

/** Probe `/ping` and `/hello/probe` every 250 ms while `running()`. */
async function probe(running: () => boolean, atLeast: number): Promise<{ ping: number[]; hello: number[]; failed: number }> {
  const ping: number[] = [];
  const hello: number[] = [];
  let failed = 0;
  while (running() || ping.length < atLeast) {
    try {
      const [a, b] = await Promise.all([get('/ping'), get('/hello/probe')]);
      if (a.status === 200) ping.push(a.ms);
      else failed++;
      if (b.status === 200) hello.push(b.ms);
      else failed++;
    } catch {
      failed++;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { ping, hello, failed };
}

const server = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/slow-target.ts'], {
  env: { ...process.env, SLOW_TARGET_OPTIONS: opts.options, SLOW_TARGET_BIG_MIB: '256' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
base = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /Running on (http:\/\/[\d.:]+)/.exec(out);
    if (m !== null) resolve(m[1] as string);
  });
  server.once('exit', (code) => reject(new Error(`slow-target exited with ${code}`)));
});

const URLS: Record<string, string> = { H: '/', B: '/upload', X: '/big', R: '/file' };
const idle = await probe(() => false, 20);
const results: Record<string, unknown>[] = [];
for (const mode of MODES) {
  const before = await status(true);
  const t0 = performance.now();
  const tool = spawn('/usr/bin/slowhttptest', [`-${mode}`, '-c', String(CONNECTIONS), '-r', opts.rate, '-l', String(DURATION), '-p', '5', '-u', `${base}${URLS[mode]}`], { stdio: 'ignore' });
  let running = true;
  tool.once('exit', () => (running = false));
  const during = await probe(() => running, 1);
  const wall = (performance.now() - t0) / 1000;
  let after = await status();
  for (let i = 0; i < 300 && after.open > 1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await status();
  }
  const cuts = after.cuts.slice(before.cuts.length).sort((a, b) => a - b);
  const q = (p: number): number | null => (cuts.length === 0 ? null : (cuts[Math.min(cuts.length - 1, Math.floor(p * cuts.length))] as number));
  const result = {
    mode: `-${mode}`,
    connections: CONNECTIONS,
    seconds: Number(wall.toFixed(1)),
    accepted: after.accepted - before.accepted,
    peakOpen: after.peakOpen,
    cutByServer: cuts.length,
    cutAfterSeconds: { min: q(0), median: q(0.5), max: q(1) },
    answeredThenClosed: after.closedAfterAnswer - before.closedAfterAnswer,
    closedByClient: after.closedByClient - before.closedByClient,
    stillOpenAfter30s: after.open - 1,
    pingMs: { idle: Number(median(idle.ping).toFixed(2)), attack: Number(median(during.ping).toFixed(2)), attackP99: Number(p99(during.ping).toFixed(2)) },
    pingRatio: Number((median(during.ping) / median(idle.ping)).toFixed(2)),
    helloMs: { idle: Number(median(idle.hello).toFixed(1)), attack: Number(median(during.hello).toFixed(1)) },
    helloRatio: Number((median(during.hello) / median(idle.hello)).toFixed(3)),
    probesFailed: during.failed,
    probesSlowerThan1s: during.ping.filter((ms) => ms > 1000).length,
    probes: during.ping.length,
    loopDelayMs: after.loopDelayMs,
    rssMiB: { before: Math.round(before.rss / 2 ** 20), peak: Math.round(after.peakRss / 2 ** 20) },
  };
  console.log(JSON.stringify(result));
  results.push(result);
}
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
