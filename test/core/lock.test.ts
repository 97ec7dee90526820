// Lock, mirroring CPython's LockTests in test_locks.py: FIFO acquisition,
// cancellation of waiters (never a lost wakeup), release errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, InvalidStateError, Lock, createTask, sleep, waitFor } from '../../src/index.js';
import { seededRandom } from './seeded-random.js';

test('acquire() takes a free lock at once; release() frees it', async () => {
  const lock = new Lock();
  assert.equal(lock.locked(), false);
  assert.equal(await lock.acquire(), true);
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.locked(), false);
});

test('waiters get the lock in arrival order', async () => {
  const lock = new Lock();
  const order: number[] = [];
  await lock.acquire();
  const tasks = [1, 2, 3].map((i) => createTask(async () => {
    await lock.acquire();
    order.push(i);
    await sleep(0);
    lock.release();
  }));
  await sleep(0);
  assert.deepEqual(order, []);
  lock.release();
  await Promise.all(tasks);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(lock.locked(), false);
});

test('a newcomer does not jump the queue while waiters are pending', async () => {
  const lock = new Lock();
  const order: string[] = [];
  await lock.acquire();
  const waiter = createTask(async () => {
    await lock.acquire();
    order.push('waiter');
    lock.release();
  });
  await sleep(0);
  lock.release();
  // The waiter was woken but has not run yet: a new acquire must queue behind it.
  const late = createTask(async () => {
    await lock.acquire();
    order.push('late');
    lock.release();
  });
  await Promise.all([waiter, late]);
  assert.deepEqual(order, ['waiter', 'late']);
});

test('release() then an immediate acquire(): the woken waiter keeps its turn (mutual exclusion holds)', async () => {
  const lock = new Lock();
  await lock.acquire();
  let holders = 0;
  let most = 0;
  const use = async (): Promise<void> => {
    await lock.acquire();
    holders++;
    most = Math.max(most, holders);
    await sleep(0.001);
    holders--;
    lock.release();
  };
  const waiter = createTask(use);
  await sleep(0);
  lock.release(); // wakes the waiter, which has not run yet
  const newcomer = use(); // same synchronous step: must queue behind it
  await Promise.all([waiter, newcomer]);
  assert.equal(most, 1);
  assert.equal(lock.locked(), false);
});

test('a cancelled waiter does not get the lock', async () => {
  const lock = new Lock();
  await lock.acquire();
  const t = createTask(() => lock.acquire());
  await sleep(0);
  t.cancel();
  await assert.rejects(t, CancelledError);
  assert.equal(lock.locked(), true);
  lock.release();
  assert.equal(lock.locked(), false);
});

test('woken then cancelled before running: the lock passes to the next waiter (cancel race)', async () => {
  const lock = new Lock();
  await lock.acquire();
  const a = createTask(() => lock.acquire());
  const bGot: string[] = [];
  const b = createTask(async () => {
    await lock.acquire();
    bGot.push('b');
    lock.release();
  });
  await sleep(0);
  lock.release(); // wakes a
  a.cancel(); // ... which is cancelled before it runs
  await assert.rejects(a, CancelledError);
  await b;
  assert.deepEqual(bGot, ['b']);
  assert.equal(lock.locked(), false);
});

test('cancelling one of several waiters keeps the others in order', async () => {
  const lock = new Lock();
  await lock.acquire();
  const order: number[] = [];
  const ts = [0, 1, 2].map((i) => createTask(async () => {
    await lock.acquire();
    order.push(i);
    lock.release();
  }));
  await sleep(0);
  ts[1]!.cancel();
  lock.release();
  await Promise.allSettled(ts);
  assert.deepEqual(order, [0, 2]);
  assert.equal(ts[1]!.cancelled(), true);
});

test('release() of an unlocked lock throws InvalidStateError', () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), (e: unknown) => e instanceof InvalidStateError && /not acquired/.test(e.message));
});

test('the lock is not reentrant: a second acquire by the holder waits', async () => {
  const lock = new Lock();
  const t = createTask(async () => {
    await lock.acquire();
    await lock.acquire();
  });
  await sleep(0.005);
  assert.equal(t.done(), false);
  t.cancel();
  await assert.rejects(t, CancelledError);
  lock.release();
});

test('a waiter cancelled just before release() does not strand the next one (CPython finished_waiter_cancelled)', async () => {
  const lock = new Lock();
  await lock.acquire();
  const tb = createTask(() => lock.acquire());
  await sleep(0);
  const tc = createTask(() => lock.acquire());
  tb.cancel();
  lock.release();
  await sleep(0);
  assert.equal(lock.locked(), true);
  assert.equal(tb.cancelled(), true);
  assert.equal(await tc, true);
  lock.release();
});

test('under random cancellations mutual exclusion holds and the lock ends free', async () => {
  const rand = seededRandom(4242);
  for (let round = 0; round < 20; round++) {
    const lock = new Lock();
    let holders = 0;
    let most = 0;
    let entered = 0;
    const ts = Array.from({ length: 8 }, () => createTask(async () => {
      await lock.acquire();
      try {
        entered++;
        holders++;
        most = Math.max(most, holders);
        await sleep(0);
      } finally {
        holders--;
        lock.release();
      }
    }));
    await sleep(0);
    // Cancel some now (holder or waiters), and some right after a release woke them.
    for (const t of ts) if (rand() < 0.3) t.cancel();
    await sleep(0);
    for (const t of ts) if (rand() < 0.3) t.cancel();
    // A lost wakeup would leave a waiter stranded forever: bound the wait.
    await waitFor(Promise.allSettled(ts), 10);
    assert.equal(most, 1, `round ${round}`);
    // Every task that was not cancelled got the lock; nobody is stranded.
    assert.ok(entered >= ts.filter((t) => !t.cancelled()).length, `round ${round}`);
    assert.equal(lock.locked(), false, `round ${round}`);
    assert.equal(await lock.acquire(), true);
    lock.release();
  }
});
