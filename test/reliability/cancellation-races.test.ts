// fc.scheduler() orders the cancellation of a pending await against the
// event that completes it (a put, a release, a set, a timer, a sibling's
// failure), in every interleaving fast-check picks. Invariants: no
// unhandled rejection or uncaught error, the task ends done or cancelled
// (never hangs), an item put is never lost, a lock is never left held, and
// no 'abort' listener is left on a caller's signal.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import {
  CancelledError, Event, Lock, Queue, TaskGroup, createTask, isCancellation, sleep, waitFor,
} from '../../src/index.js';
import type { Task } from '../../src/index.js';
import { checkProperty } from './fuzz-runs.js';

const stray: unknown[] = [];
const onStray = (e: unknown): void => {
  stray.push(e);
};
before(() => {
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
});
after(() => {
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
});

type Fate = { done: unknown } | { cancelled: true } | { error: unknown };

async function fateOf(task: Task<unknown>): Promise<Fate> {
  // A hang guard only: every scenario settles in a few event-loop turns.
  const guard = new Promise<'hang'>((resolve) => setTimeout(resolve, 5000, 'hang').unref());
  try {
    const v = await Promise.race([task, guard]);
    assert.notEqual(v, 'hang', 'the task never ended');
    return { done: v };
  } catch (e) {
    if (e instanceof CancelledError) return { cancelled: true };
    return { error: e };
  }
}

type Scenario = (s: fc.Scheduler) => Promise<void>;

/**
 * Runs `actions` in the order the scheduler picks and waits until all ran.
 * Each waits on a scheduled promise: `scheduleFunction` would call it at
 * once and hold back only its result, so the actions would always run in
 * the order written.
 */
async function race(s: fc.Scheduler, actions: readonly (() => void)[]): Promise<void> {
  for (const a of actions) void s.schedule(Promise.resolve()).then(a);
  await s.waitAll();
  // Let what the actions woke finish its own microtasks and timers.
  await sleep(0);
  await sleep(0);
}

const scenarios: Record<string, Scenario> = {
  async 'Queue.get vs put'(s) {
    const q = new Queue<number>();
    const t = createTask(() => q.get());
    await race(s, [() => t.cancel(), () => q.putNowait(1)]);
    const f = await fateOf(t);
    // The item is the getter's or still in the queue: never lost.
    if ('done' in f) assert.equal(q.qsize(), 0);
    else assert.deepEqual([f, q.qsize()], [{ cancelled: true }, 1]);
  },
  async 'Queue.get with a caller signal vs put'(s) {
    const q = new Queue<number>();
    const ac = new AbortController();
    const p = q.get({ signal: ac.signal }).then((v) => ({ done: v }), (e: unknown) => (isCancellation(e) ? { cancelled: true } : { error: e }));
    await race(s, [() => ac.abort(), () => q.putNowait(1)]);
    const f = await p;
    if ('done' in f) assert.equal(q.qsize(), 0);
    else assert.deepEqual([f, q.qsize()], [{ cancelled: true }, 1]);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0, 'no abort listener left');
  },
  async 'Lock.acquire vs release'(s) {
    const lock = new Lock();
    await lock.acquire();
    const t = createTask(async () => {
      await lock.acquire();
      try {
        await sleep(0);
        return 'held';
      } finally {
        lock.release();
      }
    });
    await race(s, [() => t.cancel(), () => lock.release()]);
    const f = await fateOf(t);
    assert.ok('done' in f || 'cancelled' in f, JSON.stringify(f));
    assert.equal(lock.locked(), false, 'the lock is not leaked');
    // And a newcomer gets it.
    assert.equal(await waitFor(lock.acquire(), 1), true);
    lock.release();
  },
  async 'Event.wait vs set'(s) {
    const ev = new Event();
    const ac = new AbortController();
    const t = createTask(() => ev.wait({ signal: ac.signal }));
    await race(s, [() => t.cancel(), () => ev.set(), () => ac.abort()]);
    const f = await fateOf(t);
    assert.ok('done' in f || 'cancelled' in f, JSON.stringify(f));
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0, 'no abort listener left');
  },
  async 'sleep vs cancel'(s) {
    const t = createTask(() => sleep(0, 'slept'));
    await race(s, [() => t.cancel()]);
    const f = await fateOf(t);
    assert.ok(('done' in f && f.done === 'slept') || 'cancelled' in f, JSON.stringify(f));
  },
  async 'TaskGroup: outer cancel vs a child failing vs a child completing'(s) {
    const q = new Queue<number>();
    const ev = new Event();
    const children: Task<unknown>[] = [];
    const t = createTask(() => TaskGroup.run(async (tg) => {
      children.push(tg.createTask(() => q.get()));
      children.push(tg.createTask(async () => {
        await ev.wait();
        throw new Error('child failed');
      }));
      await sleep(0);
    }));
    await race(s, [() => t.cancel(), () => ev.set(), () => q.putNowait(1)]);
    const f = await fateOf(t);
    // Cancelled, failed with the child's error, or (never here: a child always fails or is cancelled) done.
    assert.ok('cancelled' in f || ('error' in f && f.error instanceof AggregateError && f.error.errors.some((e: unknown) => /child failed/.test(String(e)))), JSON.stringify(f));
    for (const c of children) assert.ok(c.done(), 'every child ended');
    // The item is the getter's, or still queued when the getter never got it.
    const got = children[0];
    assert.equal(q.qsize(), got !== undefined && !got.cancelled() ? 0 : 1, 'the item is not lost');
  },
};

const names = Object.keys(scenarios);

test('cancellation racing completion, in every scheduled order, keeps the invariants', async () => {
  await checkProperty(import.meta.filename, 'cancellation races', fc.asyncProperty(
    fc.scheduler(),
    fc.constantFrom(...names),
    async (s, name) => {
      stray.length = 0;
      await (scenarios[name] as Scenario)(s);
      assert.deepEqual(stray, [], 'no unhandled rejection nor uncaught error');
    },
  ), 3000);
});

// Found when race() above was made to vary the order (it did not before):
// put, then cancel, with waitFor(q.get()) in between lost the item: the
// cancellation ended the promise's wrapper at once and the get, resuming in
// the same task, took the item for nobody. A bare q.get() task keeps it in
// the queue, and so does asyncio 3.12 (wait_for runs the get in the caller's task).
test('waitFor(Queue.get()): put then cancel leaves the item in the queue', async () => {
  const q = new Queue<number>();
  const t = createTask(() => waitFor(q.get(), 0.001));
  await sleep(0);
  q.putNowait(7);
  t.cancel();
  const f = await fateOf(t);
  if ('done' in f) assert.deepEqual([f.done, q.qsize()], [7, 0]);
  else assert.equal(q.qsize(), 1, 'the item is not lost');
});

test('waitFor(Queue.get()) whose deadline passes as the item arrives: the item is not lost', { todo: 'a zero deadline cancels the wrapper of the promise, not the task the get runs in' }, async () => {
  const q = new Queue<number>();
  const t = createTask(() => waitFor(q.get(), 0));
  q.putNowait(7);
  const f = await fateOf(t);
  if ('done' in f) assert.deepEqual([f.done, q.qsize()], [7, 0]);
  else assert.equal(q.qsize(), 1, 'the item is not lost');
});

// Not fixed: a cancel() that lands in the few microtasks between the get
// taking the item and the task resuming with it (the value passes through
// promise reactions; in asyncio nothing runs in between) ends the task
// cancelled and the item is gone, with or without waitFor()'s function form.
test('waitFor(() => Queue.get()) racing put and cancel in any order never loses the item', { todo: 'a cancel between the get taking the item and the task resuming drops it' }, async () => {
  await checkProperty(import.meta.filename, 'waitFor races', fc.asyncProperty(fc.scheduler(), async (s) => {
    const scenario = async (sch: fc.Scheduler): Promise<void> => {
      const q = new Queue<number>();
      const t = createTask(() => waitFor(() => q.get(), 0.001));
      await race(sch, [() => t.cancel(), () => q.putNowait(7)]);
      await sleep(0.002);
      const f = await fateOf(t);
      if ('done' in f) assert.deepEqual([f.done, q.qsize()], [7, 0]);
      else assert.equal(q.qsize(), 1, 'the item is not lost');
    };
    await scenario(s);
  }), 300);
});
