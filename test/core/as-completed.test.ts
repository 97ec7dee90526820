// asCompleted(), mirroring CPython's as_completed tests (3.13 async iterator).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queuedTimers } from '../../src/core/timer-queue.js';
import { CancelledError, Future, TimeoutError, asCompleted, createTask, sleep } from '../../src/index.js';

test('yields futures in completion order', async () => {
  const order: string[] = [];
  const slow = new Future<string>();
  const fast = new Future<string>();
  const middle = new Future<string>();
  const it = asCompleted([slow, fast, middle]);
  // Settled one loop turn apart, in an order unlike the list's: sleeps of
  // different lengths would race each other on a loaded machine.
  setImmediate(() => {
    fast.setResult('fast');
    setImmediate(() => {
      middle.setResult('middle');
      setImmediate(() => slow.setResult('slow'));
    });
  });
  // next() by hand: for-await types its variable as the awaited value, as
  // TypeScript does for every thenable, though it is the done future.
  for (let r = await it.next(); r.done !== true; r = await it.next()) {
    assert.equal(r.value.done(), true);
    order.push(r.value.result());
  }
  assert.deepEqual(order, ['fast', 'middle', 'slow']);
});

test('already-done futures come first', async () => {
  const done = new Future<string>();
  done.setResult('ready');
  const out: string[] = [];
  const it = asCompleted([createTask(() => sleep(0.001, 'later')), done]);
  for (let r = await it.next(); r.done !== true; r = await it.next()) out.push(r.value.result());
  assert.deepEqual(out, ['ready', 'later']);
});

test('failures are yielded too, to be read by the caller', async () => {
  const it = asCompleted([async () => {
    throw new Error('failed');
  }]);
  const r = await it.next();
  assert.ok(r.done !== true && r.value.exception() instanceof Error);
  assert.equal((await it.next()).done, true);
});

test('a timeout throws TimeoutError after the futures done in time', async () => {
  const slow = createTask(() => sleep(10));
  const got: string[] = [];
  await assert.rejects(async () => {
    for await (const v of asCompleted<unknown>([slow, createTask(() => sleep(0.001, 'fast'))], { timeout: 0.01 })) got.push(await v as string);
  }, TimeoutError);
  assert.deepEqual(got, ['fast']);
  // As asyncio: the futures are not cancelled by the timeout.
  assert.equal(slow.done(), false);
  slow.cancel();
});

test('an empty input ends at once', async () => {
  let n = 0;
  for await (const _ of asCompleted([])) n++;
  assert.equal(n, 0);
});

test('breaking out early stops listening; the futures run on', async () => {
  const a = createTask(() => sleep(0.001, 'a'));
  const b = createTask(() => sleep(0.01, 'b'));
  for await (const f of asCompleted([a, b])) {
    assert.equal(f, a);
    break;
  }
  assert.equal(await b, 'b');
});

test('a non-iterable argument is a TypeError', () => {
  assert.throws(() => asCompleted(42 as never), (e: unknown) => e instanceof TypeError && /iterable/.test(e.message));
});

test('cancelling the task that iterates clears the timeout timer', async () => {
  const timers = queuedTimers; // the timeout is on the loop's timer queue, not a Node timer of its own
  const slow = createTask(() => sleep(10));
  await sleep(0);
  const before = timers();
  const it = createTask(async () => {
    for await (const _ of asCompleted([slow], { timeout: 10 })) { /* never */ }
  });
  await sleep(0);
  assert.equal(timers(), before + 1);
  it.cancel();
  await assert.rejects(it, CancelledError);
  assert.equal(timers(), before);
  slow.cancel();
});
