// bench/core/subprocess.ts: communicate() of 64 MiB through `cat` against a
// bare child_process.spawn pipe doing the same (write all, collect stdout,
// wait for 'close'), alternating in one process. Reports MB/s (wall) and the
// parent's CPU (process.cpuUsage, user + sys) per run, and the ratios.
// Usage: cd bench && node --import tsx core/subprocess.ts [MiB=64] [rounds=7]
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { PIPE, createSubprocessExec, run } from '../../src/index.ts';

const mib = Number(process.argv[2] ?? 64);
const rounds = Number(process.argv[3] ?? 7);
const input = Buffer.alloc(mib * 1024 * 1024, 0x61);

async function viaAiots(): Promise<number> {
  const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
  const [out] = await proc.communicate(input);
  return out?.length ?? 0;
}

function viaSpawn(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const parts: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (c: Buffer) => {
      parts.push(c);
      size += c.length;
    });
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(parts, size).length));
    child.stdin.end(input);
  });
}

interface Sample { wall: number; cpu: number; user: number; sys: number }
async function measure(fn: () => Promise<number>): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const n = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  if (n !== input.length) throw new Error(`got ${n} bytes back, expected ${input.length}`);
  return { wall, cpu: (c.user + c.system) / 1e6, user: c.user / 1e6, sys: c.system / 1e6 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
};

await run(async () => {
  await measure(viaAiots);
  await measure(viaSpawn);
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so that neither always pays for the other's garbage.
    if (i % 2 === 0) {
      a.push(await measure(viaAiots));
      b.push(await measure(viaSpawn));
    } else {
      b.push(await measure(viaSpawn));
      a.push(await measure(viaAiots));
    }
  }
  const mb = input.length / 1e6;
  const aw = median(a.map((s) => s.wall));
  const bw = median(b.map((s) => s.wall));
  const ac = median(a.map((s) => s.cpu));
  const bc = median(b.map((s) => s.cpu));
  console.log(`\n### Node ${process.version}: ${mib} MiB through cat, median of ${rounds}\n`);
  const ms = (xs: Sample[], k: 'user' | 'sys'): string => (median(xs.map((x) => x[k])) * 1000).toFixed(1);
  console.log('| | MB/s | parent CPU ms (user + sys) | user ms | sys ms |');
  console.log('|---|---|---|---|---|');
  console.log(`| aiots communicate() | ${(mb / aw).toFixed(0)} | ${(ac * 1000).toFixed(1)} | ${ms(a, 'user')} | ${ms(a, 'sys')} |`);
  console.log(`| bare spawn pipe | ${(mb / bw).toFixed(0)} | ${(bc * 1000).toFixed(1)} | ${ms(b, 'user')} | ${ms(b, 'sys')} |`);
  console.log(`| aiots ÷ bare | time ${(aw / bw).toFixed(2)}× | CPU ${(ac / bc).toFixed(2)}× | | |`);
});
