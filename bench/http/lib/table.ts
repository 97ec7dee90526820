/**
 * Markdown tables of the HTTP benchmark, ready to paste into docs/benchmarks.md.
 * @module
 */
import { wrkErrors, type WrkResult } from './wrk.js';

/** One framework measured at one connection count. */
export interface Row {
  readonly framework: string;
  readonly connections: number;
  readonly round: number;
  readonly wrk?: WrkResult;
  readonly cpu?: number;
  readonly serverCore?: number;
  readonly loadCore?: number;
  readonly idleRssKiB?: number;
  readonly peakRssKiB?: number;
  readonly error?: string;
}

const REFERENCE = 'node:http';
const FASTIFY = 'Fastify';

/** Completed requests per second over wrk's measured window. */
export function rps(r: WrkResult): number {
  return r.requests / (r.durationUs / 1e6);
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (us: number): string => (us / 1000).toFixed(us < 10_000 ? 2 : 0);
const ratio = (n: number): string => `${n.toFixed(2)}×`;
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
const mib = (kib: number): string => (kib / 1024).toFixed(0);

function find(rows: readonly Row[], framework: string, connections: number): Row | undefined {
  return rows.find((r) => r.framework === framework && r.connections === connections && r.wrk);
}

function failed(r: Row, columns: number): string {
  return `| ${r.framework} | failed: ${(r.error ?? '').split('\n')[0] ?? ''} |${' |'.repeat(columns - 2)}`;
}

/**
 * Requests per second of server CPU time: what req/s would be with the whole
 * core, so a neighbour taking part of the core does not count against a server.
 */
export function perCpu(r: Row): number {
  return r.wrk && r.cpu ? rps(r.wrk) / r.cpu : 0;
}

/**
 * Scenario A: req/s, p50, p99 and ratios to raw node:http and to Fastify, by
 * wall clock and by server CPU time.
 */
export function tableA(rows: readonly Row[]): string {
  const out = [
    '| framework | req/s | p50 ms | p99 ms | × node:http | × Fastify | server CPU | req per CPU-s | × node:http | × Fastify | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (!r.wrk) {
      out.push(failed(r, 11));
      continue;
    }
    const base = find(rows, REFERENCE, r.connections);
    const fast = find(rows, FASTIFY, r.connections);
    const v = rps(r.wrk);
    const c = perCpu(r);
    const vs = (other: Row | undefined, f: (x: Row) => number, x: number): string => other ? ratio(x / f(other)) : '–';
    const wall = (x: Row): number => rps(x.wrk!);
    out.push(`| ${r.framework} | ${int(v)} | ${ms(r.wrk.p50Us)} | ${ms(r.wrk.p99Us)} | ${vs(base, wall, v)} | ${vs(fast, wall, v)} | ${pct(r.cpu ?? 0)} | ${int(c)} | ${vs(base, perCpu, c)} | ${vs(fast, perCpu, c)} | ${wrkErrors(r.wrk)} |`);
  }
  return out.join('\n');
}

/**
 * Scenario B: req/s against the ideal N/sleep, the steady state (N ÷ mean
 * latency, which a fixed window does not truncate), p99 and memory.
 */
export function tableB(rows: readonly Row[], sleepS: number): string {
  const out = [
    '| framework | conns | req/s | ÷ ideal | steady req/s | steady ÷ ideal | × Fastify | mean ms | p99 ms | peak RSS MiB | idle MiB | KiB/conn | RSS × Fastify | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (!r.wrk) {
      out.push(failed(r, 14));
      continue;
    }
    const ideal = r.connections / sleepS;
    const v = rps(r.wrk);
    const steady = r.connections / (r.wrk.meanUs / 1e6);
    const fast = find(rows, FASTIFY, r.connections);
    const peak = r.peakRssKiB ?? 0;
    const perConn = (peak - (r.idleRssKiB ?? 0)) / r.connections;
    const fastRps = fast?.wrk ? ratio(v / rps(fast.wrk)) : '–';
    const fastRss = fast?.peakRssKiB ? ratio(peak / fast.peakRssKiB) : '–';
    out.push(`| ${r.framework} | ${int(r.connections)} | ${int(v)} | ${pct(v / ideal)} | ${int(steady)} | ${pct(steady / ideal)} | ${fastRps} | ${ms(r.wrk.meanUs)} | ${ms(r.wrk.p99Us)} | ${mib(peak)} | ${mib(r.idleRssKiB ?? 0)} | ${perConn.toFixed(1)} | ${fastRss} | ${wrkErrors(r.wrk)} |`);
  }
  return out.join('\n');
}
