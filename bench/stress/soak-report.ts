/**
 * The soak's figures and plot, pure functions of the server's samples:
 * drift after warm-up, and an SVG drawn by hand (polylines and axes; no
 * plotting dependency).
 * @module
 */
import type { Sample } from './soak-server.js';

export interface Drift {
  /** The sample drift is measured from: the first at or after the warm-up. */
  readonly base: Sample;
  readonly last: Sample;
  /** (last − base) / base. */
  readonly rssLast: number;
  /** The largest (sample − base) / base over the samples after the base. */
  readonly rssMax: number;
  readonly heapLast: number;
  readonly heapMax: number;
  /** Least-squares slopes over the samples from the base on, bytes per second: a trend that one noisy sample does not make. */
  readonly rssSlope: number;
  readonly heapSlope: number;
  /** Per-interval event-loop delay p99 over the samples after warm-up, ms. */
  readonly loopP99Median: number;
  readonly loopP99Max: number;
}

/** Drift of the timed samples after `warmupSeconds`; null when the run was too short to have one after warm-up. */
export function drift(samples: readonly Sample[], warmupSeconds: number, sampleSeconds: number): Drift | null {
  const timed = samples.filter((s) => !s.onDemand);
  // Timers fire a little late: a sample within half an interval of the warm-up's end counts as at it.
  const i = timed.findIndex((s) => s.t >= warmupSeconds - sampleSeconds / 2);
  if (i === -1 || i === timed.length - 1) return null;
  const base = timed[i]!;
  const after = timed.slice(i + 1);
  const last = after[after.length - 1]!;
  const rel = (v: number, b: number): number => (v - b) / b;
  const from = timed.slice(i);
  const slope = (v: (s: Sample) => number): number => {
    const n = from.length;
    const mt = from.reduce((a, s) => a + s.t, 0) / n;
    const mv = from.reduce((a, s) => a + v(s), 0) / n;
    const cov = from.reduce((a, s) => a + (s.t - mt) * (v(s) - mv), 0);
    const varT = from.reduce((a, s) => a + (s.t - mt) ** 2, 0);
    return varT === 0 ? 0 : cov / varT;
  };
  const p99s = from.map((s) => s.loopP99).sort((a, b) => a - b);
  return {
    base, last,
    rssLast: rel(last.rss, base.rss),
    rssMax: Math.max(...after.map((s) => rel(s.rss, base.rss))),
    heapLast: rel(last.heapUsed, base.heapUsed),
    heapMax: Math.max(...after.map((s) => rel(s.heapUsed, base.heapUsed))),
    rssSlope: slope((s) => s.rss),
    heapSlope: slope((s) => s.heapUsed),
    loopP99Median: p99s[Math.floor(p99s.length / 2)]!,
    loopP99Max: p99s[p99s.length - 1]!,
  };
}

/** A step of 1, 2 or 5 × 10^k giving about `n` ticks over `span`. */
function niceStep(span: number, n: number): number {
  const raw = span / n;
  const k = 10 ** Math.floor(Math.log10(raw));
  const m = raw / k;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * k;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Series { readonly label: string; readonly color: string; readonly points: readonly (readonly [number, number])[]; readonly dash?: string }

interface Panel {
  readonly top: number;
  readonly height: number;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

const W = 900;
const LEFT = 70;
const RIGHT = 20;

function panel(p: Panel, xMax: number, xStep: number, warmupMin: number): string {
  const plotW = W - LEFT - RIGHT;
  const all = p.series.flatMap((s) => s.points.map(([, y]) => y));
  const yMaxRaw = Math.max(1e-9, ...all);
  const yStep = niceStep(yMaxRaw, 5);
  const yMax = Math.ceil((yMaxRaw * 1.05) / yStep) * yStep;
  const x = (v: number): number => LEFT + (v / xMax) * plotW;
  const y = (v: number): number => p.top + p.height - (v / yMax) * p.height;
  const out: string[] = [];
  for (let v = 0; v <= yMax + yStep / 2; v += yStep) {
    out.push(`<line x1="${LEFT}" y1="${y(v).toFixed(1)}" x2="${W - RIGHT}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${+v.toFixed(3)}</text>`);
  }
  for (let v = 0; v <= xMax + xStep / 2; v += xStep) {
    out.push(`<line x1="${x(v).toFixed(1)}" y1="${p.top + p.height}" x2="${x(v).toFixed(1)}" y2="${p.top + p.height + 4}" stroke="#333"/>`);
    out.push(`<text x="${x(v).toFixed(1)}" y="${p.top + p.height + 16}" text-anchor="middle">${+v.toFixed(3)}</text>`);
  }
  out.push(`<rect x="${LEFT}" y="${p.top}" width="${plotW}" height="${p.height}" fill="none" stroke="#333"/>`);
  if (warmupMin > 0 && warmupMin < xMax) {
    out.push(`<line x1="${x(warmupMin).toFixed(1)}" y1="${p.top}" x2="${x(warmupMin).toFixed(1)}" y2="${p.top + p.height}" stroke="#999" stroke-dasharray="4 4"/>`);
    out.push(`<text x="${(x(warmupMin) + 4).toFixed(1)}" y="${p.top + 12}" fill="#777">end of warm-up</text>`);
  }
  out.push(`<text transform="translate(16 ${p.top + p.height / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const pts = s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`}/>`);
    const lx = LEFT + 10 + i * 210;
    out.push(`<line x1="${lx}" y1="${p.top - 10}" x2="${lx + 24}" y2="${p.top - 10}" stroke="${s.color}" stroke-width="2"${s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`}/>`);
    out.push(`<text x="${lx + 30}" y="${p.top - 6}">${esc(s.label)}</text>`);
  });
  return out.join('\n');
}

/** The plot: RSS, heapUsed after a full gc, and event-loop delay p99, one panel each, minutes across. */
export function svg(samples: readonly Sample[], warmupSeconds: number, title: string): string {
  const timed = samples.filter((s) => !s.onDemand);
  const MB = 1024 * 1024;
  const xMaxRaw = Math.max(1 / 60, ...timed.map((s) => s.t / 60));
  const xStep = niceStep(xMaxRaw, 10);
  const xMax = Math.ceil(xMaxRaw / xStep) * xStep;
  const d = drift(samples, warmupSeconds, timed.length > 1 ? timed[1]!.t - timed[0]!.t : 60);
  const rss: Series[] = [{ label: 'RSS (MB)', color: '#1f77b4', points: timed.map((s) => [s.t / 60, s.rss / MB]) }];
  if (d !== null) {
    // The goal: RSS within 10% of the sample at the end of warm-up.
    const limit = (d.base.rss * 1.1) / MB;
    rss.push({ label: 'goal: warm-up RSS + 10%', color: '#999', dash: '6 4', points: [[d.base.t / 60, limit], [xMax, limit]] });
  }
  const H = 680;
  const warm = warmupSeconds / 60;
  // heapUsed has its own panel: on RSS's scale its drift would not show.
  const body = [
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    panel({ top: 60, height: 220, yLabel: 'MB', series: rss }, xMax, xStep, warm),
    panel({ top: 330, height: 130, yLabel: 'MB', series: [{ label: 'heapUsed after a full gc (MB)', color: '#d62728', points: timed.map((s) => [s.t / 60, s.heapUsed / MB]) }] }, xMax, xStep, warm),
    panel({ top: 510, height: 130, yLabel: 'ms', series: [{ label: 'event-loop delay p99 per interval (ms)', color: '#2ca02c', points: timed.map((s) => [s.t / 60, s.loopP99]) }] }, xMax, xStep, warm),
    `<text x="${LEFT + (W - LEFT - RIGHT) / 2}" y="${H - 8}" text-anchor="middle">minutes</text>`,
  ].join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n<rect width="${W}" height="${H}" fill="#fff"/>\n${body}\n</svg>\n`;
}
