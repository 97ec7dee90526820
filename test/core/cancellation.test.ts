// Cancellation, as CPython's test_tasks.py checks it: delivery at the pending
// await, before the first step, swallowing, messages, cancelling()/uncancel(),
// and the task's AbortSignal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelledError, Event, Future, createTask, currentTask, isCancellation, sleep,
} from '../../src/index.js';

// A plain promise (not an aiots awaitable) that the test opens by hand.
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

test('cancel() interrupts the pending sleep and runs finally blocks', async () => {
  const steps: string[] = [];
  const started = new Event();
  const t = createTask(async () => {
    try {
      started.set();
      await sleep(10);
      steps.push('not reached');
    } finally {
      steps.push('finally');
    }
  });
  await started.wait();
  assert.equal(t.cancel(), true);
  await assert.rejects(t, CancelledError);
  assert.equal(t.cancelled(), true);
  assert.equal(t.done(), true);
  assert.deepEqual(steps, ['finally']);
  assert.throws(() => t.result(), CancelledError);
  assert.throws(() => t.exception(), CancelledError);
});

test('cancel() before the first step: the body never runs', async () => {
  let ran = false;
  const t = createTask(async () => {
    ran = true;
  });
  assert.equal(t.cancel('early'), true);
  await assert.rejects(t, (e: unknown) => e instanceof CancelledError && e.message === 'early');
  assert.equal(ran, false);
  assert.equal(t.cancelled(), true);
});

test('cancel() on a done task returns false', async () => {
  const t = createTask(async () => 1);
  await t;
  assert.equal(t.cancel(), false);
  assert.equal(t.cancelled(), false);
  assert.equal(t.result(), 1);
});

test('the cancel message reaches the CancelledError', async () => {
  const t = createTask(() => sleep(10));
  await sleep(0);
  t.cancel('stop now');
  await assert.rejects(t, (e: unknown) => isCancellation(e) && e.name === 'CancelledError' && e.message === 'stop now');
});

test('a task that catches CancelledError and returns is not cancelled', async () => {
  const t = createTask(async () => {
    try {
      await sleep(10);
    } catch (e) {
      assert.ok(isCancellation(e));
      return 'swallowed';
    }
    return 'slept';
  });
  await sleep(0);
  t.cancel();
  assert.equal(await t, 'swallowed');
  assert.equal(t.cancelled(), false);
  // As in asyncio, the request stays counted until uncancel().
  assert.equal(t.cancelling(), 1);
});

test('after swallowing a cancellation, later awaits work normally', async () => {
  const t = createTask(async () => {
    try {
      await sleep(10);
    } catch {
      // swallowed on purpose
    }
    return sleep(0.001, 'after');
  });
  await sleep(0);
  t.cancel();
  assert.equal(await t, 'after');
});

test('cancelling while the task waits on a non-aiots promise is delivered at its next aiots await', async () => {
  const steps: string[] = [];
  const g = gate();
  const t = createTask(async () => {
    await g.promise;
    steps.push('native done');
    await sleep(10);
    steps.push('not reached');
  });
  await sleep(0);
  t.cancel();
  g.open();
  await assert.rejects(t, CancelledError);
  assert.deepEqual(steps, ['native done']);
});

test('a task cancelled while not at an aiots await that then returns ends cancelled', async () => {
  const g = gate();
  const t = createTask(async () => {
    await g.promise;
    return 'value';
  });
  await sleep(0);
  t.cancel();
  g.open();
  await assert.rejects(t, CancelledError);
  assert.equal(t.cancelled(), true);
});

test('cancelling the outer task cancels the task it awaits', async () => {
  const inner = createTask(() => sleep(10), { name: 'inner' });
  const outer = createTask(async () => inner, { name: 'outer' });
  await sleep(0);
  await sleep(0);
  outer.cancel();
  await assert.rejects(outer, CancelledError);
  await assert.rejects(inner, CancelledError);
  assert.equal(inner.cancelled(), true);
});

test('cancelling a task cancels the Future it awaits', async () => {
  const fut = new Future<number>();
  const t = createTask(async () => fut);
  await sleep(0);
  t.cancel('bye');
  await assert.rejects(t, CancelledError);
  assert.equal(fut.cancelled(), true);
});

test('cancelling a waited-on future directly cancels the waiting task', async () => {
  const fut = new Future<number>();
  const t = createTask(async () => {
    await fut;
  });
  await sleep(0);
  fut.cancel();
  await assert.rejects(t, CancelledError);
  assert.equal(t.cancelled(), true);
});

test('cancel() twice: one CancelledError, cancelling() counts both requests', async () => {
  let caught = 0;
  const t = createTask(async () => {
    try {
      await sleep(10);
    } catch (e) {
      caught++;
      throw e;
    }
  });
  await sleep(0);
  assert.equal(t.cancel(), true);
  assert.equal(t.cancel(), true);
  assert.equal(t.cancelling(), 2);
  await assert.rejects(t, CancelledError);
  assert.equal(caught, 1);
});

test('cancel() twice before the task resumes: its async cleanup runs to the end (asyncio delivers one CancelledError)', async () => {
  // asyncio 3.11: ['caught', 'cleanup done', 'cancelled'], cancelling() == 2.
  const log: string[] = [];
  const t = createTask(async () => {
    try {
      await sleep(10);
    } catch (e) {
      log.push('caught');
      await sleep(0.01);
      log.push('cleanup done');
      throw e;
    }
  });
  await sleep(0);
  t.cancel();
  t.cancel();
  assert.equal(t.cancelling(), 2);
  await assert.rejects(t, CancelledError);
  assert.deepEqual(log, ['caught', 'cleanup done']);
});

test('a cancel() after the task resumed from the first one is delivered at its next await', async () => {
  const log: string[] = [];
  const t = createTask(async () => {
    try {
      await sleep(10);
    } catch {
      log.push('first');
    }
    try {
      await sleep(10);
    } catch {
      log.push('second');
    }
    return 'end';
  });
  await sleep(0);
  t.cancel();
  await sleep(0);
  t.cancel();
  assert.equal(await t, 'end');
  assert.deepEqual(log, ['first', 'second']);
});

test('uncancel() decrements; at zero an undelivered cancellation is dropped', async () => {
  const steps: string[] = [];
  const g = gate();
  const t = createTask(async () => {
    await g.promise;
    const me = currentTask()!;
    assert.equal(me.cancelling(), 1);
    assert.equal(me.uncancel(), 0);
    assert.equal(me.uncancel(), 0);
    await sleep(0.001);
    steps.push('kept going');
    return 'ok';
  });
  await sleep(0);
  t.cancel();
  g.open();
  assert.equal(await t, 'ok');
  assert.deepEqual(steps, ['kept going']);
});

test('signal is aborted with a CancelledError when the task is cancelled', async () => {
  let signal: AbortSignal | undefined;
  const t = createTask(async () => {
    signal = currentTask()!.signal;
    await sleep(10);
  });
  await sleep(0);
  assert.equal(signal?.aborted, false);
  t.cancel('abort me');
  await assert.rejects(t, CancelledError);
  assert.equal(signal?.aborted, true);
  assert.ok(signal?.reason instanceof CancelledError);
  assert.equal((signal?.reason as Error).message, 'abort me');
  // Asked for after the cancel: already aborted.
  assert.equal(t.signal.aborted, true);
});

test('the task signal cancels non-aiots work (fetch-like APIs)', async () => {
  const t = createTask(async () => {
    await delay(10_000, undefined, { signal: currentTask()!.signal });
  });
  await sleep(0.005);
  t.cancel();
  // The AbortError is not a CancelledError, but the task was cancelled.
  await assert.rejects(t, (e: unknown) => (e as Error).name === 'AbortError');
});

test('uncancel() back to zero renews the signal', async () => {
  const t = createTask(async () => {
    const me = currentTask()!;
    const first = me.signal;
    try {
      await sleep(10);
    } catch {
      me.uncancel();
    }
    assert.equal(first.aborted, true);
    const second = me.signal;
    assert.notEqual(second, first);
    assert.equal(second.aborted, false);
    return 'renewed';
  });
  await sleep(0);
  t.cancel();
  assert.equal(await t, 'renewed');
});

test('isCancellation() is true only for CancelledError', () => {
  assert.equal(isCancellation(new CancelledError()), true);
  assert.equal(isCancellation(new Error('x')), false);
  assert.equal(isCancellation(null), false);
  assert.equal(isCancellation('CancelledError'), false);
  assert.equal(new CancelledError().name, 'CancelledError');
  assert.equal(new CancelledError().code, 'AIOTS_ERR_CANCELLED');
});

test('a cancelled task with no one waiting does not produce an unhandled rejection', async () => {
  const t = createTask(() => sleep(10));
  await sleep(0);
  t.cancel();
  await sleep(0.005);
  assert.equal(t.cancelled(), true);
});
