// waitFor(), mirroring CPython's test_waitfor.py: results in time, the inner
// task cancelled and awaited on timeout, zero and negative timeouts, outer
// cancellation, suppressed cancellation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError, Event, Future, TimeoutError, createTask, getEventLoop, sleep, waitFor,
} from '../../src/index.js';

const loop = getEventLoop();

test('returns the result when it arrives in time (function, task, future, promise)', async () => {
  assert.equal(await waitFor(() => sleep(0.001, 'fn'), 1), 'fn');
  assert.equal(await waitFor(createTask(() => sleep(0.001, 'task')), 1), 'task');
  const f = new Future<string>();
  setTimeout(() => f.setResult('future'), 1);
  assert.equal(await waitFor(f, 1), 'future');
  assert.equal(await waitFor(new Promise<string>((r) => setTimeout(() => r('promise'), 1)), 1), 'promise');
});

test('timing out cancels the inner task and throws TimeoutError', async () => {
  const inner = createTask(() => sleep(10));
  const t0 = loop.time();
  await assert.rejects(waitFor(inner, 0.01), (e: unknown) => e instanceof TimeoutError && e.name === 'TimeoutError');
  assert.ok(loop.time() - t0 >= 0.009);
  assert.equal(inner.cancelled(), true);
});

test('on timeout the inner task is awaited until it has finished cancelling', async () => {
  const steps: string[] = [];
  const inner = createTask(async () => {
    try {
      await sleep(10);
    } finally {
      await sleep(0.01);
      steps.push('cleanup done');
    }
  });
  await assert.rejects(waitFor(inner, 0.005), TimeoutError);
  assert.deepEqual(steps, ['cleanup done']);
  assert.equal(inner.done(), true);
});

test('timeout 0: a done future gives its result; a pending one is cancelled and TimeoutError thrown', async () => {
  const done = new Future<number>();
  done.setResult(3);
  assert.equal(await waitFor(done, 0), 3);
  const pending = createTask(() => sleep(10));
  await assert.rejects(waitFor(pending, 0), TimeoutError);
  assert.equal(pending.cancelled(), true);
});

test('a negative timeout means zero', async () => {
  const pending = createTask(() => sleep(10));
  await assert.rejects(waitFor(pending, -1), TimeoutError);
  assert.equal(pending.cancelled(), true);
});

test('timeout 0 with a failed future rethrows its error', async () => {
  const f = new Future<number>();
  f.setException(new RangeError('inner'));
  await assert.rejects(waitFor(f, 0), RangeError);
});

test('null timeout waits as long as needed', async () => {
  assert.equal(await waitFor(() => sleep(0.01, 'late'), null), 'late');
});

test('the inner error passes through', async () => {
  await assert.rejects(waitFor(async () => {
    await sleep(0);
    throw new SyntaxError('inner failure');
  }, 1), SyntaxError);
});

test('an inner task that suppresses the cancellation returns its value', async () => {
  const v = await waitFor(async () => {
    try {
      await sleep(10);
    } catch {
      return 42;
    }
    return 0;
  }, 0.005);
  assert.equal(v, 42);
});

test('cancelling the task that waits cancels the inner task too', async () => {
  const started = new Event();
  const inner = createTask(async () => {
    started.set();
    await sleep(10);
  });
  const outer = createTask(() => waitFor(inner, 10));
  await started.wait();
  await sleep(0);
  outer.cancel();
  await assert.rejects(outer, CancelledError);
  assert.equal(inner.cancelled(), true);
});

test('a bare promise that times out is abandoned without an unhandled rejection', async () => {
  const p = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late failure')), 20));
  await assert.rejects(waitFor(p, 0.001), TimeoutError);
  await sleep(0.03);
});

test('a result that arrives together with the deadline is not lost', async () => {
  for (let i = 0; i < 5; i++) {
    const f = new Future<number>();
    setTimeout(() => {
      if (!f.done()) f.setResult(i);
    }, 5);
    try {
      assert.equal(await waitFor(f, 0.005), i);
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
      assert.equal(f.cancelled(), true);
    }
  }
});
