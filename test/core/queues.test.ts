// Queue, PriorityQueue and LifoQueue, mirroring CPython's test_queues.py:
// order, bounds, blocking put/get, join/taskDone, cancelled getters and
// putters never lose an item, shutdown (3.13).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError, LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown, createTask, sleep, waitFor,
  InvalidStateError, TimeoutError,
} from '../../src/index.js';
import { seededRandom } from './seeded-random.js';

test('Queue is FIFO, LifoQueue is LIFO, PriorityQueue returns the smallest first', () => {
  const q = new Queue<number>();
  const l = new LifoQueue<number>();
  const p = new PriorityQueue<number>();
  for (const x of [3, 1, 2]) {
    q.putNowait(x);
    l.putNowait(x);
    p.putNowait(x);
  }
  assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [3, 1, 2]);
  assert.deepEqual([l.getNowait(), l.getNowait(), l.getNowait()], [2, 1, 3]);
  assert.deepEqual([p.getNowait(), p.getNowait(), p.getNowait()], [1, 2, 3]);
});

test('PriorityQueue orders [priority, item] tuples and accepts a comparator', () => {
  const p = new PriorityQueue<[number, string]>();
  p.putNowait([2, 'b']);
  p.putNowait([1, 'z']);
  p.putNowait([1, 'a']);
  assert.deepEqual([p.getNowait(), p.getNowait(), p.getNowait()], [[1, 'a'], [1, 'z'], [2, 'b']]);
  const desc = new PriorityQueue<number>(0, { compare: (a, b) => b - a });
  for (const x of [1, 5, 3]) desc.putNowait(x);
  assert.deepEqual([desc.getNowait(), desc.getNowait(), desc.getNowait()], [5, 3, 1]);
  const mixed = new PriorityQueue<unknown>();
  mixed.putNowait(1);
  assert.throws(() => mixed.putNowait({}), (e: unknown) => e instanceof TypeError && /comparator/.test(e.message));
});

// Expected orders from CPython 3.11's asyncio.PriorityQueue with items whose
// __lt__ compares the priority only (so equal priorities are "equal").
test('PriorityQueue returns items the comparator finds equal in heapq\'s order', () => {
  interface K { readonly p: number; readonly n: number }
  const byP = { compare: (a: K, b: K) => a.p - b.p };
  const q = new PriorityQueue<K>(0, byP);
  for (let i = 0; i < 10; i++) q.putNowait({ p: i % 3, n: i });
  const out: number[] = [];
  while (!q.empty()) out.push(q.getNowait().n);
  assert.deepEqual(out, [0, 6, 3, 9, 4, 1, 7, 5, 2, 8]);
  // Interleaved puts and gets.
  const m = new PriorityQueue<K>(0, byP);
  const got: number[] = [];
  for (let i = 0; i < 40; i++) {
    m.putNowait({ p: (i * 7) % 5, n: i });
    if (i % 3 === 2) got.push(m.getNowait().n);
  }
  while (!m.empty()) got.push(m.getNowait().n);
  assert.deepEqual(got, [0, 5, 3, 10, 8, 15, 20, 13, 25, 18, 30, 35, 23, 38, 28, 33, 21, 16, 1, 36, 31, 6, 26, 11, 19, 9, 29, 34, 39, 4, 14, 24, 2, 32, 22, 37, 7, 27, 17, 12]);
});

test('PriorityQueue [priority, item] tuples compare the item next, as heapq on tuples', () => {
  const q = new PriorityQueue<[number, string]>();
  for (const x of [[1, 'b'], [1, 'a'], [0, 'z'], [1, 'c'], [1, 'a']] as [number, string][]) q.putNowait(x);
  const out: [number, string][] = [];
  while (!q.empty()) out.push(q.getNowait());
  assert.deepEqual(out, [[0, 'z'], [1, 'a'], [1, 'a'], [1, 'b'], [1, 'c']]);
});

test('PriorityQueue stays ordered over many random items', () => {
  const p = new PriorityQueue<number>();
  const xs = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
  for (const x of xs) p.putNowait(x);
  const out: number[] = [];
  while (!p.empty()) out.push(p.getNowait());
  assert.deepEqual(out, [...xs].sort((a, b) => a - b));
});

test('qsize, empty, full and maxsize', () => {
  const q = new Queue<number>(2);
  assert.equal(q.maxsize, 2);
  assert.equal(q.empty(), true);
  q.putNowait(1);
  assert.equal(q.qsize(), 1);
  q.putNowait(2);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait(3), (e: unknown) => e instanceof QueueFull && /full/.test(e.message));
  q.getNowait();
  q.getNowait();
  assert.throws(() => q.getNowait(), (e: unknown) => e instanceof QueueEmpty && /empty/.test(e.message));
});

test('maxsize 0 or less is unbounded', () => {
  for (const m of [0, -1]) {
    const q = new Queue<number>(m);
    for (let i = 0; i < 100; i++) q.putNowait(i);
    assert.equal(q.full(), false);
    assert.equal(q.qsize(), 100);
  }
});

test('get() waits for an item; getters are served in order', async () => {
  const q = new Queue<string>();
  const got: string[] = [];
  const ts = [0, 1].map((i) => createTask(async () => {
    got.push(`${i}:${await q.get()}`);
  }));
  await sleep(0);
  q.putNowait('a');
  q.putNowait('b');
  await Promise.all(ts);
  assert.deepEqual(got, ['0:a', '1:b']);
});

test('put() waits while the queue is full; putters are served in order', async () => {
  const q = new Queue<number>(1);
  q.putNowait(0);
  const ts = [1, 2].map((i) => createTask(() => q.put(i)));
  await sleep(0);
  assert.equal(ts[0]!.done(), false);
  assert.equal(q.getNowait(), 0);
  await ts[0];
  assert.equal(q.getNowait(), 1);
  await ts[1];
  assert.equal(q.getNowait(), 2);
});

test('a cancelled get() does not lose an item (put then cancel before it runs)', async () => {
  const q = new Queue<string>();
  const a = createTask(() => q.get());
  const b = createTask(() => q.get());
  await sleep(0);
  q.putNowait('only');
  a.cancel(); // a was woken for the item; the item must go to b
  await assert.rejects(a, CancelledError);
  assert.equal(await b, 'only');
  assert.equal(q.empty(), true);
});

test('a cancelled get() with no item leaves the item for the next getter', async () => {
  const q = new Queue<number>();
  const a = createTask(() => q.get());
  await sleep(0);
  a.cancel();
  await assert.rejects(a, CancelledError);
  q.putNowait(1);
  assert.equal(await createTask(() => q.get()), 1);
});

test('a get() timing out in waitFor never swallows an item', async () => {
  const q = new Queue<number>();
  await assert.rejects(waitFor(() => q.get(), 0.001), TimeoutError);
  q.putNowait(5);
  assert.equal(q.qsize(), 1);
  assert.equal(await q.get(), 5);
});

test('a cancelled put() does not block the next putter', async () => {
  const q = new Queue<number>(1);
  q.putNowait(0);
  const a = createTask(() => q.put(1));
  const b = createTask(() => q.put(2));
  await sleep(0);
  q.getNowait(); // frees a slot for a ...
  a.cancel(); // ... cancelled before using it: b must get it
  await assert.rejects(a, CancelledError);
  await b;
  assert.deepEqual([q.getNowait()], [2]);
});

test('join() waits until taskDone() was called for every item', async () => {
  const q = new Queue<number>();
  for (let i = 0; i < 3; i++) q.putNowait(i);
  let joined = false;
  const j = createTask(async () => {
    await q.join();
    joined = true;
  });
  for (let i = 0; i < 3; i++) {
    await q.get();
    await sleep(0);
    assert.equal(joined, false);
    q.taskDone();
  }
  await j;
  assert.equal(joined, true);
  // join() on a queue with nothing unfinished returns at once.
  await q.join();
});

test('taskDone() called too often throws InvalidStateError (a wrong state, asyncio: ValueError)', () => {
  const q = new Queue<number>();
  assert.throws(() => q.taskDone(), (e: unknown) => e instanceof InvalidStateError && /too many times/.test(e.message));
  q.putNowait(1);
  q.getNowait();
  q.taskDone();
  assert.throws(() => q.taskDone(), InvalidStateError);
});

test('producers and consumers hand over every item exactly once', async () => {
  const q = new Queue<number>(3);
  const got: number[] = [];
  const consumers = [0, 1].map(() => createTask(async () => {
    for (;;) {
      const x = await q.get();
      if (x < 0) return;
      got.push(x);
      q.taskDone();
    }
  }));
  const producers = [0, 1].map((p) => createTask(async () => {
    for (let i = 0; i < 20; i++) await q.put(p * 100 + i);
  }));
  await Promise.all(producers);
  await q.join();
  await q.put(-1);
  await q.put(-1);
  await Promise.all(consumers);
  assert.equal(got.length, 40);
  assert.equal(new Set(got).size, 40);
});

test('shutdown(): puts throw, gets drain then throw QueueShutDown, waiters are woken', async () => {
  const q = new Queue<number>(1);
  const getterQ = new Queue<number>();
  const blockedGet = createTask(() => getterQ.get());
  q.putNowait(1);
  const blockedPut = createTask(() => q.put(2));
  await sleep(0);
  q.shutdown();
  getterQ.shutdown();
  await assert.rejects(blockedPut, (e: unknown) => e instanceof QueueShutDown && /shut down/.test(e.message));
  await assert.rejects(blockedGet, QueueShutDown);
  assert.throws(() => q.putNowait(3), QueueShutDown);
  await assert.rejects(q.put(3), QueueShutDown);
  assert.equal(await q.get(), 1);
  await assert.rejects(q.get(), QueueShutDown);
  assert.throws(() => q.getNowait(), QueueShutDown);
});

test('shutdown(true) drops the items and releases join()', async () => {
  const q = new Queue<number>();
  q.putNowait(1);
  q.putNowait(2);
  const j = createTask(() => q.join());
  await sleep(0);
  q.shutdown(true);
  await j;
  assert.equal(q.empty(), true);
  await assert.rejects(q.get(), QueueShutDown);
});

test('async iteration ends when the queue is shut down and empty', async () => {
  const q = new Queue<string>();
  q.putNowait('a');
  q.putNowait('b');
  q.shutdown();
  const out: string[] = [];
  for await (const x of q) out.push(x);
  assert.deepEqual(out, ['a', 'b']);
});

test('subclass names appear in messages', () => {
  assert.throws(() => new PriorityQueue(1.5), (e: unknown) => e instanceof RangeError && /PriorityQueue\(\): maxsize/.test(e.message));
});

test('under random cancellations no item is lost or handed out twice', async () => {
  const rand = seededRandom(12345);
  for (let round = 0; round < 20; round++) {
    const q = new Queue<number>(rand() < 0.5 ? 0 : 2);
    const got: number[] = [];
    const getters = Array.from({ length: 8 }, () => createTask(async () => {
      got.push(await q.get());
    }));
    const putters = Array.from({ length: 6 }, (_, i) => createTask(() => q.put(i)));
    await sleep(0);
    for (const t of [...getters, ...putters]) if (rand() < 0.4) t.cancel();
    await sleep(0.001);
    // Releases whoever still waits: getters take what is left, then stop.
    q.shutdown();
    await Promise.allSettled([...getters, ...putters]);
    const put = putters.filter((t) => !t.cancelled() && t.exception() === null).length;
    const left: number[] = [];
    while (!q.empty()) left.push(q.getNowait());
    assert.equal(got.length + left.length, put, `round ${round}`);
    assert.equal(new Set([...got, ...left]).size, put);
  }
});
