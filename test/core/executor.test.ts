// loop.runInExecutor, setDefaultExecutor, shutdownDefaultExecutor and
// ThreadPoolExecutor, as asyncio's loop methods and concurrent.futures'
// executor (CPython 3.13 base_events.py: run_in_executor calls
// executor.submit(func, *args); None is the default executor, refused once
// shutdown_default_executor() was called; close() shuts it down without waiting).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError, Future, InvalidStateError, ThreadPoolExecutor, createTask, newEventLoop, run, sleep, type EventLoop, type Executor,
} from '../../src/index.js';

function fresh(t: { after: (fn: () => void) => void }): EventLoop {
  const loop = newEventLoop();
  t.after(() => {
    if (!loop.isRunning()) loop.close();
  });
  return loop;
}

// A home-made executor that runs calls on the main thread and records them.
class InlineExecutor implements Executor {
  readonly calls: unknown[][] = [];
  shutdowns: unknown[] = [];
  submit<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Future<Awaited<R>> {
    this.calls.push(args);
    const fut = new Future<Awaited<R>>();
    void Promise.resolve().then(() => fn(...args)).then((v) => fut.setResult(v as Awaited<R>), (e: unknown) => fut.setException(e));
    return fut;
  }

  shutdown(options?: { wait?: boolean }): Promise<void> {
    this.shutdowns.push(options);
    return Promise.resolve();
  }
}

test('runInExecutor(null, fn, ...args) runs fn in a worker thread and returns a Future of its result', async (t) => {
  const loop = fresh(t);
  const fut = loop.runInExecutor(null, (a: number, b: number) => {
    const { isMainThread } = require('node:worker_threads') as typeof import('node:worker_threads');
    return { sum: a + b, isMainThread };
  }, 2, 3);
  assert.ok(fut instanceof Future);
  assert.deepEqual(await fut, { sum: 5, isMainThread: false });
  await assert.rejects(loop.runInExecutor(null, () => {
    throw new RangeError('in the worker');
  }), (e: unknown) => e instanceof RangeError && e.message === 'in the worker');
});

test('cancelling the task awaiting runInExecutor() cancels the Future and ends the call; the executor keeps working', async (t) => {
  const loop = fresh(t);
  let fut: Future<never> | undefined;
  const task = createTask(async () => {
    fut = loop.runInExecutor(null, () => {
      for (;;) { /* never returns */ }
    });
    await fut;
  });
  await sleep(0.05);
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.equal(fut!.cancelled(), true);
  assert.equal(await loop.runInExecutor(null, (x: number) => x * 2, 21), 42);
});

test('runInExecutor(executor, ...) calls executor.submit(fn, ...args); setDefaultExecutor() replaces null\'s', async (t) => {
  const loop = fresh(t);
  const mine = new InlineExecutor();
  assert.equal(await loop.runInExecutor(mine, (a: string, b: string) => a + b, 'x', 'y'), 'xy');
  assert.deepEqual(mine.calls, [['x', 'y']]);
  loop.setDefaultExecutor(mine);
  // A closure works: this executor runs on the main thread.
  const here = 'main thread';
  assert.equal(await loop.runInExecutor(null, () => here), 'main thread');
  assert.equal(mine.calls.length, 2);
  // An executor whose submit returns a plain promise is taken too.
  const promising = { submit: (fn: () => number) => Promise.resolve(fn()), shutdown: () => Promise.resolve() } as unknown as Executor;
  assert.equal(await loop.runInExecutor(promising, () => 7), 7);
});

test('runInExecutor() and setDefaultExecutor() refuse bad arguments; a closed loop refuses work', async (t) => {
  const loop = fresh(t);
  assert.throws(() => loop.runInExecutor({} as never, () => 1), (e: unknown) => e instanceof TypeError && /executor must be an Executor or null/.test(e.message));
  assert.throws(() => loop.runInExecutor(undefined as never, () => 1), (e: unknown) => e instanceof TypeError && /executor must be an Executor or null/.test(e.message));
  assert.throws(() => loop.runInExecutor(null, 'fn' as never), (e: unknown) => e instanceof TypeError && /runInExecutor\(\): fn/.test(e.message));
  assert.throws(() => loop.runInExecutor(null, { m() {} }.m), (e: unknown) => e instanceof TypeError && /self-contained function/.test(e.message));
  const weird = { submit: () => 42, shutdown: () => Promise.resolve() } as unknown as Executor;
  assert.throws(() => loop.runInExecutor(weird, () => 1), (e: unknown) => e instanceof TypeError && /must return a Future or a promise/.test(e.message));
  assert.throws(() => loop.setDefaultExecutor(null as never), (e: unknown) => e instanceof TypeError && /setDefaultExecutor\(\): executor must be an Executor/.test(e.message));
  await assert.rejects(loop.shutdownDefaultExecutor('soon' as never), (e: unknown) => e instanceof TypeError && /timeout must be a number/.test(e.message));
  loop.close();
  assert.throws(() => loop.runInExecutor(null, () => 1), (e: unknown) => e instanceof InvalidStateError && /closed/.test(e.message));
});

test('shutdownDefaultExecutor() waits for the calls running, then runInExecutor(null) throws', async (t) => {
  const loop = fresh(t);
  const slow = loop.runInExecutor(null, () => {
    const end = Date.now() + 50;
    while (Date.now() < end) { /* busy */ }
    return 'finished';
  });
  await loop.shutdownDefaultExecutor();
  assert.equal(slow.done(), true);
  assert.equal(await slow, 'finished');
  assert.throws(() => loop.runInExecutor(null, () => 1), (e: unknown) => e instanceof InvalidStateError && /default executor was shut down/.test(e.message));
  // An explicit executor still works, as in asyncio.
  assert.equal(await loop.runInExecutor(new InlineExecutor(), () => 'explicit'), 'explicit');
  // A second call does nothing.
  await loop.shutdownDefaultExecutor();
});

test('shutdownDefaultExecutor() shuts a custom default down; past the timeout it warns and returns', async (t) => {
  const loop = fresh(t);
  const mine = new InlineExecutor();
  loop.setDefaultExecutor(mine);
  await loop.shutdownDefaultExecutor();
  assert.deepEqual(mine.shutdowns, [{ wait: true }]);

  const stuck = fresh(t);
  stuck.setDefaultExecutor({ submit: () => new Future(), shutdown: () => new Promise<void>(() => {}) } as unknown as Executor);
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  await stuck.shutdownDefaultExecutor(0.02);
  await new Promise((r) => setImmediate(r));
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.name, 'RuntimeWarning');
  assert.match(warnings[0]!.message, /did not finish its calls within 0\.02 seconds/);
});

test('close() shuts the default executor down without waiting', (t) => {
  const loop = fresh(t);
  const mine = new InlineExecutor();
  loop.setDefaultExecutor(mine);
  loop.close();
  assert.deepEqual(mine.shutdowns, [{ wait: false }]);
});

test('run() shuts the default executor down at the end: a call left running is waited for', async () => {
  let left: Future<string> | undefined;
  await run(async () => {
    const { getRunningLoop } = await import('../../src/index.js');
    left = getRunningLoop().runInExecutor(null, () => {
      const end = Date.now() + 30;
      while (Date.now() < end) { /* busy */ }
      return 'done';
    });
  });
  assert.equal(left!.done(), true);
  assert.equal(await left!, 'done');
});

test('ThreadPoolExecutor(maxWorkers) runs at most maxWorkers calls at once', async (t) => {
  const loop = fresh(t);
  await using pool = new ThreadPoolExecutor(2);
  const shared = new SharedArrayBuffer(8);
  const calls = Array.from({ length: 6 }, () => loop.runInExecutor(pool, (buf: SharedArrayBuffer) => {
    const n = new Int32Array(buf);
    const now = Atomics.add(n, 0, 1) + 1;
    for (let peak = Atomics.load(n, 1); now > peak; peak = Atomics.load(n, 1)) Atomics.compareExchange(n, 1, peak, now);
    const end = Date.now() + 20;
    while (Date.now() < end) { /* busy */ }
    Atomics.sub(n, 0, 1);
  }, shared));
  await Promise.all(calls);
  const peak = new Int32Array(shared)[1]!;
  assert.ok(peak >= 1 && peak <= 2, `peak ${peak}`);
});

test('ThreadPoolExecutor.shutdown({ cancelFutures }) cancels calls not started; submit() after shutdown throws', async () => {
  const pool = new ThreadPoolExecutor(1);
  const busy = (): string => {
    const end = Date.now() + 30;
    while (Date.now() < end) { /* busy */ }
    return 'ran';
  };
  const first = pool.submit(busy);
  const second = pool.submit(busy);
  const third = pool.submit(busy);
  await sleep(0.01);
  await pool.shutdown({ cancelFutures: true });
  assert.equal(await first, 'ran');
  assert.equal(second.cancelled(), true);
  assert.equal(third.cancelled(), true);
  assert.throws(() => pool.submit(busy), (e: unknown) => e instanceof InvalidStateError && /after shutdown/.test(e.message));
  await assert.rejects(pool.shutdown({ cancel_futures: true } as never), (e: unknown) => e instanceof TypeError && /cancelFutures/.test(e.message));
});

test('ThreadPoolExecutor refuses a bad maxWorkers', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, '2']) {
    assert.throws(() => new ThreadPoolExecutor(bad as never), (e: unknown) => e instanceof RangeError && /maxWorkers must be a positive integer/.test(e.message));
  }
});
