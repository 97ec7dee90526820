// gather(), mirroring CPython's gather tests in test_tasks.py: order of
// results, first error, returnExceptions, cancelling the gather or its waiter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, Event, Future, createTask, gather, isCancellation, sleep } from '../../src/index.js';

test('results come back in argument order, whatever the completion order', async () => {
  const f = new Future<string>();
  setTimeout(() => f.setResult('future'), 1);
  const r = await gather(
    () => sleep(0.01, 'slow fn'),
    createTask(() => sleep(0.001, 'task')),
    f,
    Promise.resolve('promise'),
  );
  assert.deepEqual(r, ['slow fn', 'task', 'future', 'promise']);
});

test('gather() of nothing is an empty array', async () => {
  assert.deepEqual(await gather(), []);
  assert.deepEqual(await gather({ returnExceptions: true }), []);
});

test('the first error rejects the gather; the other children keep running', async () => {
  const err = new Error('first');
  let other = false;
  const slow = createTask(async () => {
    await sleep(0.02);
    other = true;
  });
  await assert.rejects(gather(slow, async () => {
    await sleep(0.001);
    throw err;
  }), (e) => e === err);
  assert.equal(slow.cancelled(), false);
  await slow;
  assert.equal(other, true);
});

test('returnExceptions puts errors (and cancellations) in the results', async () => {
  const err = new TypeError('bad');
  const victim = createTask(() => sleep(10));
  const g = gather(
    () => sleep(0.001, 1),
    async () => {
      throw err;
    },
    victim,
    { returnExceptions: true },
  );
  await sleep(0);
  victim.cancel('gone');
  const r = await g;
  assert.equal(r[0], 1);
  assert.equal(r[1], err);
  assert.ok(isCancellation(r[2]));
  assert.equal((r[2] as Error).message, 'gone');
});

test('a child cancelled on its own rejects the gather with CancelledError', async () => {
  const victim = createTask(() => sleep(10));
  const g = gather(victim, () => sleep(0.01));
  await sleep(0);
  victim.cancel();
  await assert.rejects(g, CancelledError);
});

test('cancelling the gather cancels every running child', async () => {
  const a = createTask(() => sleep(10));
  const b = createTask(() => sleep(10));
  const done = createTask(async () => 'done');
  await done;
  const g = gather(a, b, done);
  await sleep(0);
  assert.equal(g.cancel(), true);
  await assert.rejects(g, CancelledError);
  assert.equal(a.cancelled(), true);
  assert.equal(b.cancelled(), true);
  assert.equal(g.cancelled() || g.done(), true);
});

test('cancelling gather with returnExceptions still ends in CancelledError', async () => {
  const g = gather(() => sleep(10), () => sleep(10), { returnExceptions: true });
  await sleep(0);
  g.cancel();
  await assert.rejects(g, CancelledError);
});

test('cancelling the task awaiting a gather cancels the children', async () => {
  const started = new Event();
  const children = [createTask(async () => {
    started.set();
    await sleep(10);
  }), createTask(() => sleep(10))];
  const outer = createTask(() => gather(...children));
  await started.wait();
  await sleep(0);
  outer.cancel();
  await assert.rejects(outer, CancelledError);
  for (const c of children) assert.equal(c.cancelled(), true);
});

test('the cancel message reaches the task awaiting a gather, with or without returnExceptions (test_cancel_gather_2)', async () => {
  for (const returnExceptions of [false, true]) {
    const outer = createTask(async () => {
      for (let i = 0; ; i++) await gather(() => sleep(0.001 * (i + 1)), { returnExceptions });
    });
    await sleep(0.005);
    outer.cancel('my message');
    await assert.rejects(outer, (e: unknown) => e instanceof CancelledError && e.message === 'my message');
  }
  const g = gather(() => sleep(10), { returnExceptions: true });
  await sleep(0);
  g.cancel('why');
  await assert.rejects(g, (e: unknown) => e instanceof CancelledError && e.message === 'why');
});

test('cancel() on a finished gather returns false', async () => {
  const g = gather(() => sleep(0, 1));
  await g;
  assert.equal(g.cancel(), false);
});

test('the same task twice gives its result twice', async () => {
  const t = createTask(() => sleep(0.001, 'x'));
  assert.deepEqual(await gather(t, t), ['x', 'x']);
});

test('already-done futures are gathered too', async () => {
  const f = new Future<number>();
  f.setResult(1);
  const g = new Future<number>();
  g.setException(new Error('e'));
  const r = await gather(f, g, { returnExceptions: true });
  assert.equal(r[0], 1);
  assert.ok(r[1] instanceof Error);
});

test('a rejected bare promise is not an unhandled rejection after the gather failed', async () => {
  const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 5));
  await assert.rejects(gather(Promise.reject(new Error('early')), late), /early/);
  await sleep(0.01);
});
