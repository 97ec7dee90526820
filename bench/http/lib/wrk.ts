/**
 * Runs wrk pinned to a core and returns its figures, parsed from the JSON line
 * printed by report.lua.
 * @module
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PIN, spawnTracked } from './server.js';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const REPORT = fileURLToPath(new URL('../report.lua', import.meta.url));

/** What one wrk run measured; latencies in microseconds. */
export interface WrkResult {
  readonly requests: number;
  readonly durationUs: number;
  readonly bytes: number;
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly status: number;
  readonly timeout: number;
  readonly meanUs: number;
  readonly stdevUs: number;
  readonly maxUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
}

/** One load run. */
export interface WrkSpec {
  readonly url: string;
  readonly connections: number;
  readonly threads: number;
  readonly durationS: number;
  readonly cpu: string;
  /** Niceness of wrk (see ServerSpec.nice). */
  readonly nice: number;
}

/** `wrk --version` (it prints it in its usage text). */
export async function wrkVersion(): Promise<string> {
  try {
    await execFileP('wrk', ['--version']);
  } catch (err) {
    const out = String((err as { stdout?: string }).stdout ?? '');
    const m = /wrk (\S+)/.exec(out);
    if (m?.[1]) return m[1];
  }
  return 'unknown';
}

/** Runs wrk once, pinned and niced by pin.sh (which raises the open-files limit for 10,000 connections). */
export async function runWrk(spec: WrkSpec): Promise<WrkResult> {
  const threads = Math.max(1, Math.min(spec.threads, spec.connections));
  const child = spawnTracked(PIN, [
    spec.cpu, String(spec.nice), 'wrk',
    '-t', String(threads), '-c', String(spec.connections), '-d', `${spec.durationS}s`,
    // Scenario B's replies take 0.5 s by design; only a stuck server should time out.
    '--timeout', '10s', '-s', REPORT, spec.url,
  ]);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => stdout += d.toString());
  child.stderr?.on('data', (d: Buffer) => stderr += d.toString());
  const [code] = await once(child, 'exit') as [number | null];
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (code !== 0 || line === undefined) throw new Error(`wrk exited with ${code} and printed no figures:\n${stdout}\n${stderr}`);
  return JSON.parse(line.slice('WRK_JSON '.length)) as WrkResult;
}

/** Every kind of error wrk counts (non-2xx/3xx replies included). */
export function wrkErrors(r: WrkResult): number {
  return r.connect + r.read + r.write + r.status + r.timeout;
}
