// Which futures a task's cancel() reaches: the ones it waits on now, not the
// ones a finished Promise.race left pending (issue 13: asyncio cancels only
// the future the task is suspended on).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, Event, Future, Queue, createTask, sleep } from '../../src/index.js';

async function outcome(p: PromiseLike<unknown>): Promise<string> {
  try {
    return `value ${String(await p)}`;
  } catch (e) {
    return e instanceof CancelledError ? 'cancelled' : `error ${String(e)}`;
  }
}

test('a shared future left pending by a Promise.race is not cancelled with the task later', async () => {
  const shared = new Future<number>();
  const other = createTask(() => shared);
  const passed = new Event();
  const task = createTask(async () => {
    await Promise.race([shared, sleep(0.001)]);
    passed.set();
    await sleep(10);
  });
  await passed.wait();
  assert.equal(task.cancel(), true);
  assert.equal(await outcome(task), 'cancelled', 'the task ends cancelled at its sleep');
  assert.equal(shared.cancelled(), false, 'the shared future was cancelled by a task no longer waiting on it');
  shared.setResult(7);
  assert.equal(await outcome(other), 'value 7');
});

test('the same after the task moved on to await another future', async () => {
  const shared = new Future<number>();
  const next = new Future<number>();
  const passed = new Event();
  const task = createTask(async () => {
    await Promise.race([shared, sleep(0.001)]);
    passed.set();
    return next;
  });
  await passed.wait();
  await sleep(0);
  task.cancel();
  assert.equal(await outcome(task), 'cancelled');
  assert.equal(next.cancelled(), true, 'the future the task waits on now is cancelled');
  assert.equal(shared.cancelled(), false);
});

test('the same after the task moved on to a queue get', async () => {
  const shared = new Future<number>();
  const q = new Queue<number>();
  const passed = new Event();
  const task = createTask(async () => {
    await Promise.race([shared, sleep(0.001)]);
    passed.set();
    return q.get();
  });
  await passed.wait();
  task.cancel();
  assert.equal(await outcome(task), 'cancelled');
  assert.equal(shared.cancelled(), false);
  q.putNowait(1);
  assert.equal(q.qsize(), 1, 'the cancelled get took no item');
});

test('awaiting a future directly: cancelling the task cancels it, as asyncio', async () => {
  const fut = new Future<number>();
  const task = createTask(async () => fut);
  await sleep(0.01);
  task.cancel();
  assert.equal(await outcome(task), 'cancelled');
  assert.equal(fut.cancelled(), true);
});

test('Promise.all over futures: one settled, the task cancelled, the other is cancelled', async () => {
  const a = new Future<number>();
  const b = new Future<number>();
  const task = createTask(async () => Promise.all([a, b]));
  await sleep(0.01);
  a.setResult(1);
  await sleep(0.01);
  task.cancel();
  assert.equal(await outcome(task), 'cancelled');
  assert.equal(b.cancelled(), true, 'the branch still awaited must be cancelled');
});

test('Promise.race while it is pending: cancelling the task cancels every branch', async () => {
  const a = new Future<number>();
  const ev = new Event();
  const task = createTask(async () => Promise.race([a, ev.wait()]));
  await sleep(0.01);
  task.cancel();
  assert.equal(await outcome(task), 'cancelled');
  assert.equal(a.cancelled(), true);
});

test('many races over one shared future: none of the tasks cancels it', async () => {
  const shared = new Future<string>();
  let passed = 0;
  const all = new Event();
  const tasks = Array.from({ length: 50 }, () => createTask(async () => {
    await Promise.race([shared, sleep(0)]);
    if (++passed === 50) all.set();
    await sleep(10);
  }));
  await all.wait();
  for (const t of tasks) t.cancel();
  for (const t of tasks) assert.equal(await outcome(t), 'cancelled');
  assert.equal(shared.cancelled(), false);
  shared.setResult('kept');
  assert.equal(await shared, 'kept');
});
