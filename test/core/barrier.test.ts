// Barrier, mirroring CPython's BarrierTests in test_locks.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Barrier, BrokenBarrierError, CancelledError, createTask, sleep } from '../../src/index.js';

test('parties wait for each other and get distinct indices', async () => {
  const b = new Barrier(3);
  assert.equal(b.parties, 3);
  const ts = [0, 1].map(() => createTask(() => b.wait()));
  await sleep(0.001);
  assert.equal(b.nWaiting, 2);
  assert.equal(ts[0]!.done(), false);
  const last = await b.wait();
  const all = [...await Promise.all(ts), last].sort();
  assert.deepEqual(all, [0, 1, 2]);
  assert.equal(b.nWaiting, 0);
});

test('the barrier can be used again (several cycles)', async () => {
  const b = new Barrier(2);
  for (let round = 0; round < 3; round++) {
    const r = await Promise.all([createTask(() => b.wait()), createTask(() => b.wait())]);
    assert.deepEqual(r.sort(), [0, 1]);
  }
  assert.equal(b.broken, false);
});

test('abort() breaks the barrier for current and later waiters', async () => {
  const b = new Barrier(3);
  const t = createTask(() => b.wait());
  await sleep(0.001);
  await b.abort();
  await assert.rejects(t, BrokenBarrierError);
  assert.equal(b.broken, true);
  await assert.rejects(b.wait(), BrokenBarrierError);
});

test('reset() breaks the current waiters and then the barrier works again', async () => {
  const b = new Barrier(2);
  const t = createTask(() => b.wait());
  await sleep(0.001);
  await b.reset();
  await assert.rejects(t, (e: unknown) => e instanceof BrokenBarrierError);
  assert.equal(b.broken, false);
  const r = await Promise.all([createTask(() => b.wait()), createTask(() => b.wait())]);
  assert.deepEqual(r.sort(), [0, 1]);
});

test('a cancelled waiter leaves and the count goes down', async () => {
  const b = new Barrier(3);
  const t = createTask(() => b.wait());
  await sleep(0.001);
  assert.equal(b.nWaiting, 1);
  t.cancel();
  await assert.rejects(t, CancelledError);
  assert.equal(b.nWaiting, 0);
});

test('Barrier(1) passes at once', async () => {
  const b = new Barrier(1);
  assert.equal(await b.wait(), 0);
});
