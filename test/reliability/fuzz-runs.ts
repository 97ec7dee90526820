// How many cases each property runs. `npm test` runs a few thousand (the
// default given by each property); the long run (bench/stress/fuzz.ts) sets
// AIOTS_FUZZ_RUNS (a count) and AIOTS_FUZZ_SECONDS (a budget per property),
// and reads back what ran from AIOTS_FUZZ_REPORT (one JSON line per property).
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import fc from 'fast-check';

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${name} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

/** Checks `property` with the run count of this session; throws fast-check's report on a failure. */
export async function checkProperty<Ts>(file: string, name: string, property: fc.IRawProperty<Ts>, defaultRuns: number, extra?: fc.Parameters<Ts>): Promise<void> {
  const runs = envNumber('AIOTS_FUZZ_RUNS') ?? defaultRuns;
  const seconds = envNumber('AIOTS_FUZZ_SECONDS');
  const started = performance.now();
  const params: fc.Parameters<Ts> = { includeErrorInReport: true, ...extra, numRuns: runs };
  if (seconds !== undefined) Object.assign(params, { interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false });
  const out = await fc.check(property, params);
  const report = process.env.AIOTS_FUZZ_REPORT;
  if (report !== undefined) {
    appendFileSync(report, JSON.stringify({ file: basename(file), name, numRuns: out.numRuns, interrupted: out.interrupted, seconds: (performance.now() - started) / 1000, failed: out.failed }) + '\n');
  }
  if (out.failed) throw new Error(fc.defaultReportMessage(out) ?? `${name} failed`);
}
