// wait(), mirroring CPython's wait tests in test_tasks.py: the three
// returnWhen modes, timeouts that cancel nothing, empty input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, Event, Future, createTask, getEventLoop, sleep, wait } from '../../src/index.js';

const loop = getEventLoop();

test('ALL_COMPLETED (the default) returns every future in done', async () => {
  const a = createTask(() => sleep(0.005, 'a'));
  const b = createTask(() => sleep(0.001, 'b'));
  const [done, pending] = await wait([a, b]);
  assert.deepEqual(done, new Set([a, b]));
  assert.equal(pending.size, 0);
});

test('FIRST_COMPLETED returns once one future is done', async () => {
  const fast = createTask(() => sleep(0.001, 'fast'));
  const slow = createTask(() => sleep(10));
  const [done, pending] = await wait<unknown>([fast, slow], { returnWhen: 'FIRST_COMPLETED' });
  assert.deepEqual(done, new Set([fast]));
  assert.deepEqual(pending, new Set([slow]));
  assert.equal(slow.cancelled(), false);
  slow.cancel();
});

test('FIRST_EXCEPTION returns at the first failure', async () => {
  const bad = createTask(async () => {
    await sleep(0.001);
    throw new Error('bad');
  });
  const slow = createTask(() => sleep(10));
  const [done, pending] = await wait([bad, slow], { returnWhen: 'FIRST_EXCEPTION' });
  assert.deepEqual(done, new Set([bad]));
  assert.deepEqual(pending, new Set([slow]));
  assert.ok(bad.exception() instanceof Error);
  slow.cancel();
});

test('FIRST_EXCEPTION without failures waits for all', async () => {
  const a = createTask(() => sleep(0.001));
  const b = createTask(() => sleep(0.005));
  const [done, pending] = await wait([a, b], { returnWhen: 'FIRST_EXCEPTION' });
  assert.equal(done.size, 2);
  assert.equal(pending.size, 0);
});

test('FIRST_EXCEPTION with an already-failed future returns at once', async () => {
  const f = new Future<number>();
  f.setException(new Error('x'));
  const slow = createTask(() => sleep(10));
  const [done, pending] = await wait<unknown>([f, slow], { returnWhen: 'FIRST_EXCEPTION' });
  assert.deepEqual(done, new Set([f]));
  assert.deepEqual(pending, new Set([slow]));
  f.exception();
  slow.cancel();
});

test('a timeout returns what is done and cancels nothing', async () => {
  const slow = createTask(() => sleep(10));
  const fast = createTask(() => sleep(0.001));
  const t0 = loop.time();
  const [done, pending] = await wait([slow, fast], { timeout: 0.01 });
  assert.ok(loop.time() - t0 >= 0.009);
  assert.deepEqual(done, new Set([fast]));
  assert.deepEqual(pending, new Set([slow]));
  assert.equal(slow.done(), false);
  slow.cancel();
});

test('functions and bare promises are accepted (the seed waits on promises)', async () => {
  const [done, pending] = await wait([Promise.resolve(1), () => sleep(0.001, 2)]);
  assert.equal(done.size, 2);
  assert.equal(pending.size, 0);
  assert.deepEqual([...done].map((f) => f.result()).sort(), [1, 2]);
});

test('duplicates count once', async () => {
  const t = createTask(() => sleep(0.001));
  const [done] = await wait([t, t]);
  assert.equal(done.size, 1);
});

test('an empty iterable is a RangeError', async () => {
  await assert.rejects(wait([]), (e: unknown) => e instanceof RangeError && /empty/.test(e.message));
});

test('cancelling the waiting task does not cancel the futures it waits on', async () => {
  const started = new Event();
  const child = createTask(async () => {
    started.set();
    await sleep(10);
  });
  const waiter = createTask(() => wait([child]));
  await started.wait();
  await sleep(0);
  waiter.cancel();
  await assert.rejects(waiter, CancelledError);
  assert.equal(child.done(), false);
  child.cancel();
  await assert.rejects(child, CancelledError);
});
