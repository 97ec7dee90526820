// Runs jsfuzz (coverage-guided, npm `jsfuzz`) on one target for a time budget.
// jsfuzz loads its target with require() and instruments it for coverage, so
// the TypeScript target is first bundled to CommonJS with esbuild.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export interface JsfuzzResult {
  readonly target: string;
  readonly execs: number;
  readonly seconds: number;
  readonly crashes: readonly string[];
}

function jsfuzzBin(): string {
  if (process.env.JSFUZZ_BIN !== undefined) return process.env.JSFUZZ_BIN;
  const require = createRequire(join(here, '..', '..', 'package.json'));
  return join(dirname(require.resolve('jsfuzz/package.json')), 'build', 'src', 'index.js');
}

export async function runJsfuzz(target: string, seconds: number, workDir: string): Promise<JsfuzzResult> {
  const dir = resolve(workDir, target);
  const corpus = join(dir, 'corpus');
  const crashes = join(dir, 'crashes');
  mkdirSync(corpus, { recursive: true });
  mkdirSync(crashes, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');
  const bundle = join(dir, 'target.js');
  await build({ entryPoints: [join(here, `${target}.target.ts`)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'warning' });
  const bin = jsfuzzBin();
  const started = Date.now();
  let execs = 0;
  let tail = '';
  // jsfuzz joins even an absolute target path to its cwd: paths are given relative to `dir`.
  // jsfuzz stops at its first crash; restart it (keeping the corpus) until the budget is spent.
  while (Date.now() - started < seconds * 1000) {
    const left = seconds * 1000 - (Date.now() - started);
    const child = spawn(process.execPath, [bin, 'target.js', 'corpus', '--timeout', '10', `--exact-artifact-path=${join(crashes, `crash-${Date.now()}`)}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let runExecs = 0;
    const onData = (d: Buffer): void => {
      tail = (tail + d.toString()).slice(-4000);
      for (const m of d.toString().matchAll(/^#(\d+) /gm)) runExecs = Math.max(runExecs, Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // jsfuzz forks a worker: end the whole process group.
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), left);
    await once(child, 'close');
    clearTimeout(timer);
    execs += runExecs;
    if (runExecs === 0) throw new Error(`jsfuzz ${target} ran nothing:\n${tail}`);
    if (process.env.JSFUZZ_DEBUG !== undefined) process.stderr.write(tail);
    if (/crash was written/.test(tail)) process.stderr.write(`jsfuzz ${target}: crash\n${tail}\n`);
  }
  return { target, execs, seconds: (Date.now() - started) / 1000, crashes: readdirSync(crashes).map((f) => join(crashes, f)) };
}
