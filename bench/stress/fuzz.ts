// The long fuzz run (issue 15): every fast-check property of
// test/reliability/ at up to --runs cases (1,000,000 by default) or as many
// as fit in --minutes per property, then jsfuzz over the router's pattern
// compiler and the percent-decoding for --jsfuzz-minutes each. Prints the
// case counts; exits 1 if any property failed or jsfuzz found a crash.
//
//   cd bench && node --import tsx stress/fuzz.ts --minutes 5 --jsfuzz-minutes 10
//   cd bench && node --import tsx stress/fuzz.ts --only jsfuzz --jsfuzz-minutes 10
//   cd bench && node --import tsx stress/fuzz.ts --only fast-check --files split,router --minutes 2
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runJsfuzz } from './jsfuzz/run.js';

const { values: args } = parseArgs({
  options: {
    'minutes': { type: 'string', default: '5' },
    'runs': { type: 'string', default: '1000000' },
    'jsfuzz-minutes': { type: 'string', default: '10' },
    'only': { type: 'string' },
    'files': { type: 'string' },
    'work-dir': { type: 'string' },
  },
});
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = args['work-dir'] ?? mkdtempSync(join(tmpdir(), 'aiots-fuzz-'));
mkdirSync(work, { recursive: true });
let failed = false;

interface PropertyReport { file: string; name: string; numRuns: number; interrupted: boolean; seconds: number; failed: boolean }

if (args.only === undefined || args.only === 'fast-check') {
  const dir = join(root, 'test', 'reliability');
  const wanted = args.files?.split(',');
  const files = readdirSync(dir).filter((f) => f.endsWith('.test.ts') && (wanted === undefined || wanted.some((w) => f.includes(w))));
  const report = join(work, 'fast-check.jsonl');
  for (const f of files) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=dot', join(dir, f)], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, AIOTS_FUZZ_RUNS: args.runs, AIOTS_FUZZ_SECONDS: String(Number(args.minutes) * 60), AIOTS_FUZZ_REPORT: report },
    });
    const [code] = await once(child, 'exit') as [number | null];
    if (code !== 0) {
      failed = true;
      console.log(`${f}: FAILED (exit ${code})`);
    }
  }
  const rows: PropertyReport[] = existsSync(report) ? readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PropertyReport) : [];
  console.log('\n| file | property | cases | seconds | stopped by | result |\n|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.failed) failed = true;
    console.log(`| ${r.file} | ${r.name} | ${r.numRuns.toLocaleString('en-US')} | ${r.seconds.toFixed(0)} | ${r.interrupted ? 'time' : 'count'} | ${r.failed ? 'FAILED' : 'ok'} |`);
  }
}

if (args.only === undefined || args.only === 'jsfuzz') {
  const seconds = Number(args['jsfuzz-minutes']) * 60;
  // The two targets at once: each is one jsfuzz worker on one core.
  const results = await Promise.all(['router-pattern', 'percent-decoding'].map((t) => runJsfuzz(t, seconds, join(work, 'jsfuzz'))));
  console.log('\n| jsfuzz target | executions (at least) | seconds | crashes |\n|---|---|---|---|');
  for (const r of results) {
    if (r.crashes.length > 0) failed = true;
    console.log(`| ${r.target} | ${r.execs.toLocaleString('en-US')} | ${r.seconds.toFixed(0)} | ${r.crashes.length === 0 ? 0 : r.crashes.join(', ')} |`);
  }
}
console.log(`\nwork dir: ${work}`);
process.exitCode = failed ? 1 : 0;
