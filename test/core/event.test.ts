// Event, mirroring CPython's EventTests in test_locks.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancelledError, Event, createTask, sleep } from '../../src/index.js';

test('wait() on a set event returns true at once', async () => {
  const ev = new Event();
  assert.equal(ev.isSet(), false);
  ev.set();
  assert.equal(ev.isSet(), true);
  assert.equal(await ev.wait(), true);
});

test('set() wakes every waiter', async () => {
  const ev = new Event();
  const woken: number[] = [];
  const ts = [1, 2, 3].map((i) => createTask(async () => {
    await ev.wait();
    woken.push(i);
  }));
  await sleep(0);
  assert.deepEqual(woken, []);
  ev.set();
  await Promise.all(ts);
  assert.deepEqual(woken, [1, 2, 3]);
});

test('set() then clear() before the waiters run: they are still woken', async () => {
  const ev = new Event();
  const t = createTask(() => ev.wait());
  await sleep(0);
  ev.set();
  ev.clear();
  assert.equal(await t, true);
  assert.equal(ev.isSet(), false);
});

test('clear() makes later waits block again', async () => {
  const ev = new Event();
  ev.set();
  ev.clear();
  const t = createTask(() => ev.wait());
  await sleep(0.005);
  assert.equal(t.done(), false);
  ev.set();
  assert.equal(await t, true);
});

test('a cancelled wait leaves the other waiters waiting', async () => {
  const ev = new Event();
  const a = createTask(() => ev.wait());
  const b = createTask(() => ev.wait());
  await sleep(0);
  a.cancel();
  await assert.rejects(a, CancelledError);
  assert.equal(b.done(), false);
  ev.set();
  assert.equal(await b, true);
});

test('set() twice is harmless', async () => {
  const ev = new Event();
  ev.set();
  ev.set();
  assert.equal(await ev.wait(), true);
});
