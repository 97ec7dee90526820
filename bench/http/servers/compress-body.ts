/**
 * The compression benchmark's shared parts: a 100 KiB JSON body (the same
 * bytes for every server) and the event-loop delay histogram each server
 * reports at `GET /stats` (and resets, so a run measures only its load).
 * @module
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const items: object[] = [];
for (let i = 0; JSON.stringify(items).length < 100 * 1024; i++) {
  items.push({ id: i, name: `item ${i}`, tags: ['alpha', 'beta', String(i % 7)], price: (i * 37) % 1000 / 10, active: i % 3 === 0 });
}
/** About 100 KiB of JSON. */
export const JSON_BODY = JSON.stringify(items);

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();

/** The loop delay since the last call, in milliseconds, then reset. */
export function loopDelayStats(): string {
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  const out = JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean) });
  histogram.reset();
  return out;
}
