// Condition, mirroring CPython's ConditionTests in test_locks.py: wait needs
// the lock, notify wakes n in order, cancellation re-acquires the lock and
// never loses a notification.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, Condition, InvalidStateError, Lock, createTask, sleep, waitFor } from '../../src/index.js';
import { seededRandom } from './seeded-random.js';

async function waiters(cond: Condition, n: number, log: number[]): Promise<ReturnType<typeof createTask<void>>[]> {
  const ts = Array.from({ length: n }, (_, i) => createTask(async () => {
    await cond.acquire();
    try {
      await cond.wait();
      log.push(i);
    } finally {
      cond.release();
    }
  }));
  await sleep(0);
  await sleep(0);
  return ts;
}

test('wait() without the lock throws InvalidStateError', async () => {
  const cond = new Condition();
  await assert.rejects(cond.wait(), (e: unknown) => e instanceof InvalidStateError && /un-acquired/.test(e.message));
});

test('notify()/notifyAll() without the lock throw InvalidStateError', () => {
  const cond = new Condition();
  assert.throws(() => cond.notify(), InvalidStateError);
  assert.throws(() => cond.notifyAll(), InvalidStateError);
});

test('notify(n) wakes n waiters in arrival order', async () => {
  const cond = new Condition();
  const log: number[] = [];
  const ts = await waiters(cond, 3, log);
  await cond.acquire();
  cond.notify(1);
  cond.release();
  await sleep(0.001);
  assert.deepEqual(log, [0]);
  await cond.acquire();
  cond.notify(2);
  cond.release();
  await Promise.all(ts);
  assert.deepEqual(log, [0, 1, 2]);
});

test('notifyAll() wakes everyone', async () => {
  const cond = new Condition();
  const log: number[] = [];
  const ts = await waiters(cond, 3, log);
  await cond.acquire();
  cond.notifyAll();
  cond.release();
  await Promise.all(ts);
  assert.deepEqual(log.sort(), [0, 1, 2]);
});

test('waitFor() waits until the predicate holds and returns its value', async () => {
  const cond = new Condition();
  let value = 0;
  const t = createTask(async () => {
    await cond.acquire();
    try {
      return await cond.waitFor(() => (value >= 2 ? `value ${value}` : ''));
    } finally {
      cond.release();
    }
  });
  for (let i = 0; i < 2; i++) {
    await sleep(0);
    await cond.acquire();
    value++;
    cond.notify();
    cond.release();
  }
  assert.equal(await t, 'value 2');
});

test('a cancelled wait() still holds the lock when it throws', async () => {
  const cond = new Condition();
  let heldInCatch = false;
  const t = createTask(async () => {
    await cond.acquire();
    try {
      await cond.wait();
    } catch (e) {
      heldInCatch = cond.locked();
      throw e;
    } finally {
      cond.release();
    }
  });
  await sleep(0);
  t.cancel();
  await assert.rejects(t, CancelledError);
  assert.equal(heldInCatch, true);
  assert.equal(cond.locked(), false);
});

test('cancelled while waiting to re-acquire the lock: the lock is re-acquired before the error', async () => {
  const cond = new Condition();
  let heldInCatch = false;
  const t = createTask(async () => {
    await cond.acquire();
    try {
      await cond.wait();
    } catch (e) {
      heldInCatch = cond.locked();
      throw e;
    } finally {
      cond.release();
    }
  });
  await sleep(0);
  await cond.acquire();
  cond.notify();
  await sleep(0); // t woke and now waits for the lock we hold
  t.cancel();
  await sleep(0);
  cond.release();
  await assert.rejects(t, CancelledError);
  assert.equal(heldInCatch, true);
});

test('a notified waiter that is cancelled passes the notification on', async () => {
  const cond = new Condition();
  const log: number[] = [];
  const ts = await waiters(cond, 2, log);
  await cond.acquire();
  cond.notify(1); // meant for waiter 0 ...
  ts[0]!.cancel(); // ... which is cancelled before it can use it
  cond.release();
  await assert.rejects(ts[0]!, CancelledError);
  await ts[1];
  assert.deepEqual(log, [1]);
});

test('conditions can share a Lock', async () => {
  const lock = new Lock();
  const a = new Condition(lock);
  const b = new Condition(lock);
  await a.acquire();
  assert.equal(b.locked(), true);
  a.release();
  assert.equal(lock.locked(), false);
});

test('the constructor rejects a non-Lock', () => {
  assert.throws(() => new Condition({} as Lock), (e: unknown) => e instanceof TypeError && /Lock/.test(e.message));
});

test('under random cancellations of notified waiters no notification is lost', async () => {
  const rand = seededRandom(99);
  for (let round = 0; round < 20; round++) {
    const cond = new Condition();
    const items: number[] = [];
    const got: number[] = [];
    const consumers = Array.from({ length: 6 }, () => createTask(async () => {
      await cond.acquire();
      try {
        await cond.waitFor(() => items.length > 0);
        got.push(items.shift()!);
      } finally {
        cond.release();
      }
    }));
    await sleep(0);
    const doomed = consumers.filter(() => rand() < 0.4);
    const survivors = consumers.length - doomed.length;
    await cond.acquire();
    for (let i = 0; i < survivors; i++) items.push(i);
    // Wakes the first `survivors` waiters, some of which are then cancelled
    // before they run: each must hand its wakeup on.
    cond.notify(survivors);
    for (const t of doomed) t.cancel();
    cond.release();
    // A lost wakeup would leave a survivor waiting forever: bound the wait.
    await waitFor(Promise.allSettled(consumers), 10);
    assert.equal(got.length, survivors, `round ${round}`);
    assert.equal(items.length, 0);
    assert.ok(doomed.every((t) => t.cancelled()));
    assert.equal(cond.locked(), false);
  }
});
