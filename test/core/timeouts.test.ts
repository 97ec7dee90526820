// timeout()/timeoutAt(), mirroring CPython's test_timeouts.py: expiry turns
// the body's cancellation into TimeoutError, the handle can be rescheduled,
// nesting and outside cancellation behave as in asyncio.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError, Event, InvalidStateError, Timeout, TimeoutError, createTask, currentTask, getEventLoop, isCancellation, sleep,
  timeout, timeoutAt,
} from '../../src/index.js';

const loop = getEventLoop();

test('the deadline passes: the body is cancelled and TimeoutError is thrown', async () => {
  const steps: string[] = [];
  let handle: Timeout | undefined;
  const t0 = loop.time();
  await assert.rejects(createTask(() => timeout(0.01, async (t) => {
    handle = t;
    try {
      await sleep(10);
    } catch (e) {
      steps.push(isCancellation(e) ? 'cancelled' : 'other');
      throw e;
    } finally {
      steps.push('finally');
    }
  })), (e: unknown) => {
    assert.ok(e instanceof TimeoutError);
    assert.equal(e.name, 'TimeoutError');
    assert.ok(isCancellation(e.cause));
    return true;
  });
  assert.ok(loop.time() - t0 >= 0.009);
  assert.deepEqual(steps, ['cancelled', 'finally']);
  assert.equal(handle?.expired(), true);
});

test('a body that finishes in time returns its value; expired() is false', async () => {
  let handle: Timeout | undefined;
  const v = await createTask(() => timeout(10, async (t) => {
    handle = t;
    return sleep(0.001, 'fast');
  }));
  assert.equal(v, 'fast');
  assert.equal(handle?.expired(), false);
});

test('when() is the deadline on the loop clock', async () => {
  const before = loop.time();
  await createTask(() => timeout(5, (t) => {
    const w = t.when();
    assert.ok(w !== null && w >= before + 5);
    assert.ok(w <= loop.time() + 5);
  }));
});

test('timeout(null) has no deadline until rescheduled', async () => {
  await assert.rejects(createTask(() => timeout(null, async (t) => {
    assert.equal(t.when(), null);
    t.reschedule(loop.time() + 0.01);
    await sleep(10);
  })), TimeoutError);
});

test('reschedule() later lets a slow body finish', async () => {
  const v = await createTask(() => timeout(0.01, async (t) => {
    t.reschedule(loop.time() + 10);
    return sleep(0.03, 'made it');
  }));
  assert.equal(v, 'made it');
});

test('reschedule(null) removes the deadline', async () => {
  const v = await createTask(() => timeout(0.005, async (t) => {
    t.reschedule(null);
    assert.equal(t.when(), null);
    return sleep(0.02, 'no deadline');
  }));
  assert.equal(v, 'no deadline');
});

test('reschedule() to the past expires at once', async () => {
  await assert.rejects(createTask(() => timeout(10, async (t) => {
    t.reschedule(loop.time() - 1);
    await sleep(10);
  })), TimeoutError);
});

test('reschedule() after the body finished throws InvalidStateError', async () => {
  let handle: Timeout | undefined;
  await createTask(() => timeout(10, (t) => {
    handle = t;
  }));
  assert.throws(() => handle!.reschedule(1), (e: unknown) => e instanceof InvalidStateError && /exited/.test(e.message));
});

test('timeoutAt() with a past deadline expires at the first await', async () => {
  await assert.rejects(createTask(() => timeoutAt(loop.time() - 1, () => sleep(10))), TimeoutError);
});

test('timeout(0) and negative delays expire at once (negative means zero)', async () => {
  await assert.rejects(createTask(() => timeout(0, () => sleep(1))), TimeoutError);
  await assert.rejects(createTask(() => timeout(-5, () => sleep(1))), TimeoutError);
});

test('a deadline in the past cancels the body even at sleep(0) (test_timeout_in_the_past_sleep_zero)', async () => {
  const steps: string[] = [];
  await assert.rejects(createTask(() => timeout(-11, async () => {
    await sleep(0);
    steps.push('sleep(0) not cancelled');
  })), TimeoutError);
  await assert.rejects(createTask(() => timeoutAt(loop.time() - 1, async () => {
    await sleep(0);
    steps.push('sleep(0) not cancelled');
  })), TimeoutError);
  await assert.rejects(createTask(() => timeout(10, async (t) => {
    t.reschedule(loop.time() - 1);
    await sleep(0);
    steps.push('sleep(0) not cancelled');
  })), TimeoutError);
  assert.deepEqual(steps, []);
});

test('timeoutAt(Infinity) means no deadline', async () => {
  const v = await createTask(() => timeoutAt(Infinity, (t) => {
    assert.equal(t.when(), null);
    return sleep(0.001, 'inf');
  }));
  assert.equal(v, 'inf');
});

test('a body that swallows the cancellation and returns: no TimeoutError, expired() is true', async () => {
  let handle: Timeout | undefined;
  const v = await createTask(() => timeout(0.005, async (t) => {
    handle = t;
    try {
      await sleep(10);
    } catch {
      return 'swallowed';
    }
    return 'slept';
  }));
  assert.equal(v, 'swallowed');
  assert.equal(handle?.expired(), true);
});

test('nested timeouts: the inner one expires first and is caught inside the outer', async () => {
  const v = await createTask(() => timeout(10, async () => {
    try {
      await timeout(0.005, () => sleep(10));
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
    }
    return sleep(0.001, 'outer still running');
  }));
  assert.equal(v, 'outer still running');
});

test('nested timeouts: the outer one expires first; the inner sees a cancellation', async () => {
  let innerSaw: unknown;
  await assert.rejects(createTask(() => timeout(0.005, async () => {
    try {
      await timeout(10, () => sleep(10));
    } catch (e) {
      innerSaw = e;
      throw e;
    }
  })), TimeoutError);
  assert.ok(isCancellation(innerSaw));
});

test('an outside cancel during a timeout is a CancelledError, not a TimeoutError', async () => {
  const inside = new Event();
  const t = createTask(() => timeout(10, async () => {
    inside.set();
    await sleep(10);
  }));
  await inside.wait();
  t.cancel();
  await assert.rejects(t, (e: unknown) => e instanceof CancelledError);
  assert.equal(t.cancelled(), true);
});

test('the task cancel count is restored after an expiry', async () => {
  const v = await createTask(async () => {
    try {
      await timeout(0.005, () => sleep(10));
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
    }
    assert.equal(currentTask()!.cancelling(), 0);
    return sleep(0.001, 'next await works');
  });
  assert.equal(v, 'next await works');
});

test('outside a task, timeout() runs its body in a task of its own', async () => {
  await assert.rejects(timeout(0.005, () => sleep(10)), TimeoutError);
  assert.equal(await timeout(1, () => sleep(0.001, 'ok')), 'ok');
});

test('errors from the body pass through unchanged', async () => {
  const err = new Error('body');
  await assert.rejects(createTask(() => timeout(10, async () => {
    await sleep(0);
    throw err;
  })), (e) => e === err);
});

test('a nested timeout in the finally of an expired one: both raise TimeoutError (test_nested_timeout_in_finally)', async () => {
  let inner: unknown;
  await assert.rejects(createTask(() => timeout(0.005, async () => {
    try {
      await sleep(1);
    } finally {
      try {
        await timeout(0.005, () => sleep(10));
      } catch (e) {
        inner = e;
      }
    }
  })), TimeoutError);
  assert.ok(inner instanceof TimeoutError);
});

test('a timeout after a swallowed cancellation still expires (test_timeout_after_cancellation)', async () => {
  await createTask(async () => {
    try {
      currentTask()!.cancel();
      await sleep(1);
    } catch {
      // the work was cancelled; cleanup follows
    }
    await assert.rejects(timeout(0, () => sleep(1)), TimeoutError);
  });
});

test('a cancel inside a timeout body is a CancelledError (test_cancel_in_timeout_after_cancellation)', async () => {
  await createTask(async () => {
    try {
      currentTask()!.cancel();
      await sleep(1);
    } catch {
      // swallowed
    }
    await assert.rejects(timeout(1, async () => {
      currentTask()!.cancel();
      await sleep(2);
    }), (e: unknown) => e instanceof CancelledError);
  });
});

test('reschedule() while expiring or after expiry throws InvalidStateError (test_timeout_expiring/expired)', async () => {
  let handle: Timeout | undefined;
  await assert.rejects(createTask(() => timeout(0.005, async (t) => {
    handle = t;
    try {
      await sleep(1);
    } catch (e) {
      assert.throws(() => t.reschedule(loop.time() + 1), (x: unknown) => x instanceof InvalidStateError && /expiring/.test(x.message));
      throw e;
    }
  })), TimeoutError);
  assert.throws(() => handle!.reschedule(loop.time() + 1), (x: unknown) => x instanceof InvalidStateError && /expired/.test(x.message));
});

test('a timeout around a group whose child fails in cleanup: the AggregateError wins (test_timeout_taskgroup)', async () => {
  const { TaskGroup } = await import('../../src/index.js');
  await assert.rejects(createTask(() => timeout(0.005, () => TaskGroup.run(async (tg) => {
    tg.createTask(async () => {
      try {
        await sleep(2);
      } finally {
        throw new RangeError('crash in cleanup');
      }
    });
    try {
      throw new SyntaxError('body');
    } finally {
      await sleep(1);
    }
  }))), (e: unknown) => {
    assert.ok(e instanceof AggregateError);
    assert.equal(e.errors.length, 1);
    assert.ok(e.errors[0] instanceof RangeError);
    return true;
  });
});
