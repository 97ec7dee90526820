// shield(), mirroring CPython's shield tests in test_tasks.py.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CancelledError, Event, Future, createTask, shield, sleep } from '../../src/index.js';

test('the result passes through', async () => {
  assert.equal(await shield(() => sleep(0.001, 'v')), 'v');
});

test('cancelling the outer future leaves the inner work running', async () => {
  const inner = createTask(() => sleep(0.01, 'inner done'));
  const outer = shield(inner);
  assert.equal(outer.cancel(), true);
  await assert.rejects(outer, CancelledError);
  assert.equal(inner.cancelled(), false);
  assert.equal(await inner, 'inner done');
});

test('cancelling the task awaiting a shield leaves the inner task running', async () => {
  const started = new Event();
  const inner = createTask(async () => {
    started.set();
    await sleep(0.01);
    return 'committed';
  });
  const outer = createTask(() => shield(inner));
  await started.wait();
  await sleep(0);
  outer.cancel();
  await assert.rejects(outer, CancelledError);
  assert.equal(await inner, 'committed');
});

test('the inner task cancelled: the outer is cancelled', async () => {
  const inner = createTask(() => sleep(10));
  const outer = shield(inner);
  await sleep(0);
  inner.cancel();
  await assert.rejects(outer, CancelledError);
  assert.equal(outer.cancelled(), true);
});

test('the inner error reaches the outer', async () => {
  await assert.rejects(shield(async () => {
    await sleep(0);
    throw new URIError('inner');
  }), URIError);
});

test('shielding a done future returns it as it is', () => {
  const f = new Future<number>();
  f.setResult(1);
  assert.equal(shield(f), f);
});

test('an inner failure after the outer was cancelled is reported as never retrieved (as asyncio)', async () => {
  // asyncio 3.11: the exception handler gets "Task exception was never
  // retrieved" with the inner ValueError once the task is collected.
  const file = fileURLToPath(new URL('fixtures/shield-unretrieved.ts', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /outer cancelled/, `stdout: ${stdout}\nstderr: ${stderr}`);
  assert.match(stdout, /handler: Task exception was never retrieved: late inner failure/, `stdout: ${stdout}\nstderr: ${stderr}`);
});

test('an inner failure after the outer was cancelled does not crash the process', async () => {
  const inner = createTask(async () => {
    await sleep(0.005);
    throw new Error('late');
  });
  const outer = shield(inner);
  outer.cancel();
  await assert.rejects(outer, CancelledError);
  await Promise.allSettled([inner]);
  assert.ok(inner.exception() instanceof Error);
});
