// Every aiots awaitable accepts { signal } for code outside a task: an
// aborted signal rejects the wait with CancelledError (at once if it was
// aborted already) and never loses an item or a permit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Barrier, BoundedSemaphore, CancelledError, Condition, Event, Lock, Queue, Semaphore, asCompleted, createTask, gather,
  isCancellation, sleep, wait, waitFor,
} from '../../src/index.js';

interface Case {
  readonly name: string;
  /** Prepare a primitive in a state where `wait(signal)` blocks; `after` checks nothing was lost. */
  readonly setup: () => Promise<{ wait: (signal: AbortSignal) => Promise<unknown>; after?: () => Promise<void> | void }>;
}

const cases: Case[] = [
  { name: 'sleep()', setup: async () => ({ wait: (signal) => sleep(10, undefined, { signal }) }) },
  {
    name: 'Lock.acquire()',
    setup: async () => {
      const lock = new Lock();
      await lock.acquire();
      return {
        wait: (signal) => lock.acquire({ signal }),
        after: async () => {
          lock.release();
          assert.equal(lock.locked(), false);
        },
      };
    },
  },
  {
    name: 'Event.wait()',
    setup: async () => {
      const ev = new Event();
      return { wait: (signal) => ev.wait({ signal }) };
    },
  },
  {
    name: 'Condition.acquire()',
    setup: async () => {
      const cond = new Condition();
      await cond.acquire();
      return { wait: (signal) => cond.acquire({ signal }), after: () => cond.release() };
    },
  },
  {
    name: 'Condition.wait()',
    setup: async () => {
      const cond = new Condition();
      await cond.acquire();
      return {
        wait: (signal) => cond.wait({ signal }),
        // wait() re-acquires the lock even when cancelled.
        after: () => {
          assert.equal(cond.locked(), true);
          cond.release();
        },
      };
    },
  },
  {
    name: 'Condition.waitFor()',
    setup: async () => {
      const cond = new Condition();
      await cond.acquire();
      return { wait: (signal) => cond.waitFor(() => false, { signal }), after: () => cond.release() };
    },
  },
  {
    name: 'Semaphore.acquire()',
    setup: async () => {
      const sem = new Semaphore(0);
      return {
        wait: (signal) => sem.acquire({ signal }),
        after: async () => {
          sem.release();
          assert.equal(await sem.acquire(), true);
        },
      };
    },
  },
  {
    name: 'BoundedSemaphore.acquire()',
    setup: async () => {
      const sem = new BoundedSemaphore(1);
      await sem.acquire();
      return { wait: (signal) => sem.acquire({ signal }), after: () => sem.release() };
    },
  },
  {
    name: 'Queue.get()',
    setup: async () => {
      const q = new Queue<number>();
      return {
        wait: (signal) => q.get({ signal }),
        after: async () => {
          q.putNowait(1);
          assert.equal(await q.get(), 1);
        },
      };
    },
  },
  {
    name: 'Queue.put()',
    setup: async () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      return {
        wait: (signal) => q.put(1, { signal }),
        after: () => {
          assert.equal(q.qsize(), 1);
          assert.equal(q.getNowait(), 0);
        },
      };
    },
  },
  {
    name: 'Queue.join()',
    setup: async () => {
      const q = new Queue<number>();
      q.putNowait(0);
      return { wait: (signal) => q.join({ signal }) };
    },
  },
  {
    name: 'Barrier.wait()',
    setup: async () => {
      const b = new Barrier(2);
      return {
        wait: (signal) => b.wait({ signal }),
        after: () => assert.equal(b.nWaiting, 0),
      };
    },
  },
  {
    name: 'wait()',
    setup: async () => {
      const t = createTask(() => sleep(10));
      return {
        wait: (signal) => wait([t], { signal }),
        after: async () => {
          assert.equal(t.done(), false);
          t.cancel();
          await assert.rejects(t, CancelledError);
        },
      };
    },
  },
  {
    name: 'waitFor()',
    setup: async () => {
      let inner: ReturnType<typeof createTask> | undefined;
      return {
        wait: (signal) => waitFor(() => {
          inner = createTask(() => sleep(10));
          return inner;
        }, 10, { signal }),
        after: () => assert.ok(inner === undefined || inner.cancelled()),
      };
    },
  },
  {
    name: 'gather()',
    setup: async () => {
      const t = createTask(() => sleep(10));
      return { wait: (signal) => gather(t, { signal }), after: () => assert.equal(t.cancelled(), true) };
    },
  },
  {
    name: 'asCompleted() iteration',
    setup: async () => {
      const t = createTask(() => sleep(10));
      return {
        wait: async (signal) => {
          for await (const _ of asCompleted([t], { signal, timeout: 10 })) { /* never */ }
        },
        after: () => t.cancel(),
      };
    },
  },
];

for (const c of cases) {
  test(`${c.name} with an aborted signal rejects at once with CancelledError`, async () => {
    const { wait: w, after } = await c.setup();
    const ac = new AbortController();
    ac.abort(new Error('already gone'));
    await assert.rejects(w(ac.signal), (e: unknown) => isCancellation(e) && /already gone/.test((e as Error).message));
    await after?.();
  });

  test(`${c.name} rejects with CancelledError when its signal aborts`, async () => {
    const { wait: w, after } = await c.setup();
    const ac = new AbortController();
    const p = w(ac.signal);
    let settled = false;
    p.then(() => {
      settled = true;
    }, () => {
      settled = true;
    });
    await sleep(0.001);
    assert.equal(settled, false);
    ac.abort();
    await assert.rejects(p, (e: unknown) => e instanceof CancelledError && /aborted/.test(e.message));
    await after?.();
  });
}

test('an aborted signal wins over a free resource, which stays free', async () => {
  const ac = new AbortController();
  ac.abort();
  const q = new Queue<number>();
  q.putNowait(1);
  await assert.rejects(q.get({ signal: ac.signal }), CancelledError);
  await assert.rejects(q.put(2, { signal: ac.signal }), CancelledError);
  assert.equal(q.qsize(), 1);
  const lock = new Lock();
  await assert.rejects(lock.acquire({ signal: ac.signal }), CancelledError);
  assert.equal(lock.locked(), false);
  const sem = new Semaphore(1);
  await assert.rejects(sem.acquire({ signal: ac.signal }), CancelledError);
  assert.equal(sem.locked(), false);
  const ev = new Event();
  ev.set();
  await assert.rejects(ev.wait({ signal: ac.signal }), CancelledError);
});

test('an abort reason that is a CancelledError keeps its message', async () => {
  const ac = new AbortController();
  const p = sleep(10, undefined, { signal: ac.signal });
  ac.abort(new CancelledError('custom'));
  await assert.rejects(p, (e: unknown) => e instanceof CancelledError && e.message === 'custom');
});

test('a task signal passed to a wait outside the task cancels it with the task', async () => {
  const started = new Event();
  let signal: AbortSignal | undefined;
  const t = createTask(async () => {
    signal = (await import('../../src/index.js')).currentTask()!.signal;
    started.set();
    await sleep(10);
  });
  await started.wait();
  const q = new Queue<number>();
  const p = q.get({ signal: signal! });
  t.cancel();
  await assert.rejects(p, CancelledError);
  await assert.rejects(t, CancelledError);
});
