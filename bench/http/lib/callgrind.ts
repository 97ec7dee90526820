/**
 * Counting a server's instructions with valgrind's callgrind, shared by
 * instructions.ts (GET /hello/world), static.ts (static files) and compression.ts (gzip): bundle
 * the server with esbuild (so no TypeScript loader is counted), run it under
 * callgrind, drive a load, read the total.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { build } from 'esbuild';

/** Bundle a server entry into one ES module at `outfile`. */
export async function bundleServer(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning',
    // Peers that still call require() inside an ES module bundle.
    banner: { js: "import { createRequire as __aiotsCreateRequire } from 'node:module'; const require = __aiotsCreateRequire(import.meta.url);" },
  });
}

/** Resolves once `port` accepts connections; throws if the child exits first. */
export async function waitForPort(port: number, child: { exitCode: number | null }): Promise<void> {
  for (let i = 0; i < 4800; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited (code ${child.exitCode}) before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await delay(250);
  }
  throw new Error('the server did not listen within 20 minutes (valgrind starts slowly on a busy machine)');
}

/** Options of {@link countInstructions}. */
export interface CountOptions {
  /** Resolves once the server can take the load; throws if it exited (default: its port accepts connections). */
  readonly ready?: (port: number, child: ChildProcess) => Promise<void>;
  /** Seconds the server may take to exit after SIGTERM before it is killed (a graceful exit may wait on stragglers). @default 60 */
  readonly killAfter?: number;
}

/**
 * Total instructions `command` (a server listening on `port`) executes
 * while `load` runs against it, plus its start and stop. Only user space is
 * counted. Fails if the server died before the load ended.
 */
export async function countInstructions(command: readonly string[], env: Readonly<Record<string, string>>, port: number, dir: string, load: (port: number) => Promise<void>, options: CountOptions = {}): Promise<number> {
  const out = join(dir, `cg.${port}.out`);
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-instr=no', ...command], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let diedEarly = false;
  try {
    await (options.ready ?? waitForPort)(port, child);
    await load(port);
  } finally {
    // A server that died on its own has already emitted 'exit': waiting for it would never end.
    diedEarly = child.exitCode !== null || child.signalCode !== null;
    if (!diedEarly) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), (options.killAfter ?? 60) * 1000);
      await exited;
      clearTimeout(timer);
    }
  }
  const m = existsSync(out) ? /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8')) : null;
  if (m === null || diedEarly) throw new Error(`the server under callgrind ${diedEarly ? `died (${child.exitCode ?? child.signalCode}) before the load ended` : 'left no total'}; valgrind said:\n${stderr.slice(-2000)}`);
  return Number(m[1]);
}
