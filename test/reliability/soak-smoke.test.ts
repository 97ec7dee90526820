// The soak (bench/stress/soak.ts) is run by hand for an hour; bench/ is
// neither type-checked nor linted, so this keeps it from rotting: its pieces
// run for a few seconds with tiny numbers, every kind of client gets
// answers, none sees an error, and the figures and the plot are written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { drift } from '../../bench/stress/soak-report.js';
import type { Sample } from '../../bench/stress/soak-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'aiots-soak-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sample(t: number, rss: number, heapUsed: number, onDemand = false): Sample {
  return { type: 'sample', t, rss, heapUsed, external: 0, loopP99: 1, loopMax: 2, requests: 0, wsOpened: 0, wsMessages: 0, onDemand };
}

test('drift is measured from the first sample at the end of warm-up, over timed samples only', () => {
  const MB = 1 << 20;
  const samples = [sample(60, 90 * MB, 9 * MB), sample(120, 100 * MB, 10 * MB), sample(180, 115 * MB, 12 * MB), sample(240, 105 * MB, 11 * MB), sample(245, 50 * MB, 5 * MB, true)];
  const d = drift(samples, 119, 60);
  assert.ok(d !== null);
  assert.equal(d.base.t, 120);
  assert.equal(d.last.t, 240);
  assert.ok(Math.abs(d.rssLast - 0.05) < 1e-9);
  assert.ok(Math.abs(d.rssMax - 0.15) < 1e-9);
  assert.ok(Math.abs(d.heapMax - 0.2) < 1e-9);
  // Least squares over 100, 115, 105 MB at 120, 180, 240 s: 5 MB per 120 s.
  assert.ok(Math.abs(d.rssSlope - (5 * MB) / 120) < 1e-6);
  // Nothing after the warm-up: no figure rather than a made-up one.
  assert.equal(drift(samples.slice(0, 2), 120, 60), null);
});

test('the soak runs every kind of client against the seed\'s server without an error', { timeout: 90_000 }, async () => {
  const out = join(dir, 'soak.json');
  const plot = join(dir, 'soak.svg');
  const child = spawn(process.execPath, [
    '--import', 'tsx', 'bench/stress/soak.ts', '--minutes', '0.04', '--warmup', '0.01', '--sample', '0.4',
    '--connections', '20', '--churn', '0.3', '--sessions', '2', '--ws', '2', '--ws-pause', '0', '--ws-messages', '5',
    '--out', out, '--svg', plot,
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const [code] = await once(child, 'exit') as [number | null];
  assert.equal(code, 0, output);
  const result = JSON.parse(readFileSync(out, 'utf8'));
  const c = result.clients;
  assert.equal(result.server.exitCode, 0);
  assert.deepEqual(c.errorSamples, []);
  for (const k of ['httpBad', 'httpErrors', 'sessionBad', 'sessionErrors', 'wsBad', 'wsErrors']) assert.equal(c[k], 0, k);
  for (const k of ['httpOk', 'sessionOk', 'wsEchoes', 'churnClose', 'churnEnd', 'churnAbandon']) assert.ok(c[k] > 0, `${k}: ${c[k]}`);
  // 5 messages per WebSocket, then a new one: reconnecting was exercised.
  assert.ok(c.wsOpened > 2, `wsOpened: ${c.wsOpened}`);
  assert.ok(c.connectionsOpened > 20, `connectionsOpened: ${c.connectionsOpened}`);
  assert.ok(result.samples.length >= 3, `samples: ${result.samples.length}`);
  assert.ok(result.samples.every((s: Sample) => s.rss > 0 && s.heapUsed > 0));
  assert.equal(result.samples.at(-1).onDemand, true);
  assert.notEqual(result.drift, null);
  const drawn = readFileSync(plot, 'utf8');
  assert.match(drawn, /^<svg /);
  assert.equal(drawn.match(/<polyline /g)?.length, 4); // RSS, its goal line, heapUsed, loop delay
});
