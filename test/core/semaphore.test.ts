// Semaphore and BoundedSemaphore, mirroring CPython's SemaphoreTests in
// test_locks.py (3.12 fair semaphore): FIFO, cancellation never loses a
// permit, over-release of a bounded semaphore throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedSemaphore, CancelledError, InvalidStateError, Semaphore, createTask, sleep } from '../../src/index.js';
import { seededRandom } from './seeded-random.js';

test('the default value is 1; locked() says whether acquire would wait', async () => {
  const sem = new Semaphore();
  assert.equal(sem.locked(), false);
  await sem.acquire();
  assert.equal(sem.locked(), true);
  sem.release();
  assert.equal(sem.locked(), false);
});

test('value 0 starts locked; release() adds a permit', async () => {
  const sem = new Semaphore(0);
  assert.equal(sem.locked(), true);
  sem.release();
  assert.equal(sem.locked(), false);
  assert.equal(await sem.acquire(), true);
});

test('at most value holders at a time', async () => {
  const sem = new Semaphore(2);
  let inside = 0;
  let most = 0;
  await Promise.all(Array.from({ length: 6 }, () => createTask(async () => {
    await sem.acquire();
    try {
      inside++;
      most = Math.max(most, inside);
      await sleep(0.001);
    } finally {
      inside--;
      sem.release();
    }
  })));
  assert.equal(most, 2);
});

test('waiters are served first come, first served', async () => {
  const sem = new Semaphore(0);
  const order: number[] = [];
  const ts = [0, 1, 2].map((i) => createTask(async () => {
    await sem.acquire();
    order.push(i);
  }));
  await sleep(0);
  sem.release();
  sem.release();
  sem.release();
  await Promise.all(ts);
  assert.deepEqual(order, [0, 1, 2]);
});

test('a newcomer does not take a permit meant for a woken waiter', async () => {
  const sem = new Semaphore(0);
  const order: string[] = [];
  const waiter = createTask(async () => {
    await sem.acquire();
    order.push('waiter');
  });
  await sleep(0);
  sem.release();
  assert.equal(sem.locked(), true);
  const late = createTask(async () => {
    await sem.acquire();
    order.push('late');
  });
  await waiter;
  sem.release();
  await late;
  assert.deepEqual(order, ['waiter', 'late']);
});

test('a cancelled waiter does not lose a permit (woken then cancelled)', async () => {
  const sem = new Semaphore(0);
  const a = createTask(() => sem.acquire());
  const b = createTask(() => sem.acquire());
  await sleep(0);
  sem.release(); // hands the permit to a
  a.cancel(); // a is cancelled before it runs: the permit goes to b
  await assert.rejects(a, CancelledError);
  assert.equal(await b, true);
  assert.equal(sem.locked(), true);
});

test('cancelling all waiters then releasing leaves the permits available (no hang)', async () => {
  const sem = new Semaphore(1);
  await sem.acquire();
  const ts = [0, 1, 2].map(() => createTask(() => sem.acquire()));
  await sleep(0);
  for (const t of ts) t.cancel();
  sem.release();
  await Promise.allSettled(ts);
  assert.equal(sem.locked(), false);
  assert.equal(await sem.acquire(), true);
});

test('BoundedSemaphore throws InvalidStateError on over-release', async () => {
  const sem = new BoundedSemaphore(2);
  assert.throws(() => sem.release(), (e: unknown) => e instanceof InvalidStateError && /released too many times/.test(e.message));
  await sem.acquire();
  sem.release();
  assert.throws(() => sem.release(), InvalidStateError);
});

test('a plain Semaphore may be released above its start value', async () => {
  const sem = new Semaphore(1);
  sem.release();
  await sem.acquire();
  await sem.acquire();
  assert.equal(sem.locked(), true);
});

test('a woken waiter keeps its place: locked() stays true and later tasks run after it (CPython fifo_order_4)', async () => {
  const sem = new Semaphore(0);
  const result: number[] = [];
  const t1 = createTask(async () => {
    await sem.acquire();
    createTask(async () => {
      result.push(4);
    });
    result.push(1);
  });
  const t2 = createTask(async () => {
    sem.release();
    sem.release();
    sem.release();
    // t1 was handed a permit but has not run yet: it is still first in line.
    assert.equal(sem.locked(), true);
    await sem.acquire();
    result.push(2);
  });
  const t3 = createTask(async () => {
    await sem.acquire();
    result.push(3);
  });
  await Promise.all([t1, t2, t3]);
  await sleep(0);
  assert.deepEqual(result, [1, 2, 3, 4]);
  assert.equal(sem.locked(), true);
});

test('release() while waiters are woken but not yet run counts every permit', async () => {
  const sem = new Semaphore(0);
  const ts = [0, 1, 2].map(() => createTask(() => sem.acquire()));
  await sleep(0);
  for (let i = 0; i < 4; i++) sem.release();
  await Promise.all(ts);
  // Three permits taken, one left.
  assert.equal(sem.locked(), false);
  await sem.acquire();
  assert.equal(sem.locked(), true);
});

test('under random cancellations the permit count stays exact', async () => {
  const rand = seededRandom(777);
  for (let round = 0; round < 20; round++) {
    const sem = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const ts = Array.from({ length: 8 }, () => createTask(async () => {
      await sem.acquire();
      try {
        inside++;
        most = Math.max(most, inside);
        await sleep(0);
      } finally {
        inside--;
        sem.release();
      }
    }));
    await sleep(0);
    for (const t of ts) if (rand() < 0.4) t.cancel();
    await Promise.allSettled(ts);
    assert.ok(most <= 2);
    // Both permits are free again.
    await sem.acquire();
    await sem.acquire();
    assert.equal(sem.locked(), true);
  }
});
