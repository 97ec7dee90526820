import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { CancelledError, TimeoutError, createTask, isCancellation, sleep, toThread, toThreadWith, waitFor } from '../../src/index.js';
import { seededRandom } from './seeded-random.js';

test('toThread runs a function in a worker with cloned arguments', async () => {
  assert.equal(await toThread((a: number, b: number) => a + b, 2, 3), 5);
  const out = await toThread((o: { xs: number[] }) => o.xs.map((x) => x * 2), { xs: [1, 2, 3] });
  assert.deepEqual(out, [2, 4, 6]);
});

test('toThread runs in another thread: the event loop keeps turning', async () => {
  let ticks = 0;
  const iv = setInterval(() => ticks++, 5);
  try {
    await toThread(() => {
      const end = Date.now() + 200;
      while (Date.now() < end);
    });
  } finally {
    clearInterval(iv);
  }
  assert.ok(ticks > 0, 'the main thread was blocked');
});

test('toThread can require modules inside the function', async () => {
  const hex = await toThread((s: string) => (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(s).digest('hex'), 'abc');
  assert.equal(hex, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('an error thrown in the worker is rethrown with its name and message', async () => {
  await assert.rejects(toThread(() => {
    throw new RangeError('bad value');
  }), { name: 'RangeError', message: 'bad value' });
});

test('cancelling the caller terminates the worker; the pool keeps working', async () => {
  const task = createTask(() => toThread(() => {
    const end = Date.now() + 10_000;
    while (Date.now() < end);
    return 'finished';
  }));
  await sleep(0.05);
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.equal(await toThread((x: number) => x + 1, 41), 42);
});

test('waitFor(toThread) times out and frees the caller', async () => {
  await assert.rejects(waitFor(() => toThread(() => {
    const end = Date.now() + 10_000;
    while (Date.now() < end);
  }), 0.05), TimeoutError);
});

test('a signal cancels toThreadWith', async () => {
  const ac = new AbortController();
  const p = toThreadWith(() => {
    const end = Date.now() + 10_000;
    while (Date.now() < end);
  }, [], { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(p, CancelledError);
});

test('bad input: not a function, a method, a native function', () => {
  assert.throws(() => toThread(42 as unknown as () => void), { name: 'TypeError', message: /toThread\(\): fn must be a function, got number 42/ });
  const o = { m(x: number) { return x; } };
  assert.throws(() => toThread(o.m, 1), { name: 'TypeError', message: /self-contained function expression/ });
  assert.throws(() => toThread(Math.max, 1, 2), { name: 'TypeError', message: /native function/ });
  assert.throws(() => toThreadWith(() => 1, 'x' as unknown as [], undefined), { name: 'TypeError', message: /args must be an array/ });
});

test('a function with named inner functions, arrows and classes runs under tsx (its __name calls)', async () => {
  const out = await toThread((n: number) => {
    function square(x: number): number {
      return x * x;
    }
    const inc = (x: number): number => x + 1;
    class Box {
      readonly v: number;
      constructor(v: number) {
        this.v = v;
      }
    }
    return [inc(square(n)), square.name, inc.name, new Box(n).v, Box.name];
  }, 3);
  assert.deepEqual(out, [10, 'square', 'inc', 3, 'Box']);
});

test('a queued call runs when every running call was cancelled (their workers are replaced)', async () => {
  // Fill every worker of the pool with a call that never ends, queue one more.
  const busy = Array.from({ length: Math.max(1, availableParallelism()) }, () => {
    const ac = new AbortController();
    // Handled at once: the cancellations settle before each is awaited.
    const p = toThreadWith(() => {
      for (;;);
    }, [], { signal: ac.signal }).catch((e: unknown) => e);
    return { ac, p };
  });
  const queued = toThread((x: number) => x * 2, 21);
  await sleep(0.05);
  for (const b of busy) b.ac.abort();
  for (const b of busy) assert.ok((await b.p) instanceof CancelledError);
  // Before the fix the queued call waited forever: fail instead of hanging.
  assert.equal(await waitFor(queued, 30), 42);
});

test('a queued call whose arguments cannot be cloned fails and hands its worker to the next queued call', async () => {
  const busy = Array.from({ length: Math.max(1, availableParallelism()) }, () => {
    const ac = new AbortController();
    // Handled at once: the cancellations settle before each is awaited.
    const p = toThreadWith(() => {
      for (;;);
    }, [], { signal: ac.signal }).catch((e: unknown) => e);
    return { ac, p };
  });
  const bad = toThread((f: unknown) => typeof f, () => 'functions are not cloneable');
  const good = toThread((x: number) => x * 2, 21);
  await sleep(0.05);
  // One worker's place frees up: the bad call gets it, then the good one.
  busy[0]!.ac.abort();
  await assert.rejects(bad, { name: 'DataCloneError' });
  try {
    // Before the fix the good call waited for a busy worker, here forever.
    assert.equal(await waitFor(good, 30), 42);
  } finally {
    for (const b of busy) b.ac.abort();
    for (const b of busy) assert.ok((await b.p) instanceof CancelledError);
  }
});

test('calls cancelled at random points, their workers answering later, leave the pool working', async () => {
  const random = seededRandom(10);
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    const ac = new AbortController();
    const work = Math.floor(random() * 20);
    calls.push(toThreadWith((ms: number, v: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end);
      return v;
    }, [work, i], { signal: ac.signal }).catch((e: unknown) => {
      if (!isCancellation(e)) throw e;
      return 'cancelled';
    }));
    const when = random();
    if (when < 0.3) ac.abort();
    else if (when < 0.6) setTimeout(() => ac.abort(), Math.floor(random() * 20));
    else if (when < 0.7) queueMicrotask(() => ac.abort());
    if (random() < 0.3) await sleep(random() * 0.01);
  }
  const results = await waitFor(Promise.all(calls), 60);
  results.forEach((r, i) => assert.ok(r === 'cancelled' || r === i, `call ${i}: ${String(r)}`));
  assert.ok(results.includes('cancelled') && results.some((r) => r !== 'cancelled'));
  assert.equal(await toThread((x: number) => x + 1, 41), 42);
});
