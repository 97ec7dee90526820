// Timers that fall due together (src/core/timer-queue.ts), checked against
// what CPython's asyncio does (each expectation below is the output of the
// same program under /usr/bin/python3, asyncio 3.11, and matches
// base_events.py's _run_once in 3.13: the timers due when a turn starts run
// in that turn, after the callbacks already queued, before anything they
// trigger).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError, Event, TaskGroup, TimeoutError, createTask, getEventLoop, sleep, timeoutAt, waitFor,
} from '../../src/index.js';

class Boom extends Error {}

// Wait until `cond()` holds (at most 2 s): a slow machine may run a later
// timer in the same turn as the ones under test, so the test does not end on
// a timer of its own.
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await sleep(0.005);
}

function errorsOf(e: unknown): unknown[] {
  return e instanceof AggregateError ? e.errors : [e];
}

test('two TaskGroup children that fail after the same sleep both appear in the group error', async () => {
  // asyncio: ExceptionGroup holds ValueError(1) and ValueError(2). Round 0
  // warms the code up: a first call compiling for milliseconds between the
  // two sleeps would give them deadlines too far apart to fall due together
  // (in asyncio as well).
  for (let round = 0; round < 4; round++) {
    const go = new Event();
    const e = await TaskGroup.run((tg) => {
      for (const n of [1, 2]) {
        tg.createTask(async () => {
          // Both start their sleep in the same burst of promise jobs.
          await go.wait();
          await sleep(0.01);
          throw new Boom(String(n));
        });
      }
      // Once both sleeps are scheduled, hold the loop past their deadlines,
      // so that a pause between the two sleep() calls on a loaded machine
      // cannot put them in different turns: both are overdue together.
      tg.createTask(async () => {
        await go.wait();
        await Promise.resolve();
        const end = performance.now() + 30;
        while (performance.now() < end);
      });
      go.set();
    }).then(() => undefined, (err: unknown) => err);
    if (round > 0) assert.deepEqual(errorsOf(e).map((x) => (x as Error).message).sort(), ['1', '2']);
  }
});

test('children timing out at the same deadline all report TimeoutError', async () => {
  // asyncio: the ExceptionGroup holds 3 TimeoutErrors, every time.
  const loop = getEventLoop();
  for (let round = 0; round < 3; round++) {
    const when = loop.time() + 0.01;
    const e = await TaskGroup.run((tg) => {
      for (let i = 0; i < 3; i++) tg.createTask(() => timeoutAt(when, () => sleep(1)));
    }).then(() => undefined, (err: unknown) => err);
    const errors = errorsOf(e);
    assert.equal(errors.length, 3);
    for (const x of errors) assert.ok(x instanceof TimeoutError, String(x));
  }
});

test('the deadlines of waitFor() calls due together fire in one turn', async () => {
  // Each inner task is cancelled in the same turn: none has run on.
  const loop = getEventLoop();
  const seen: number[] = [];
  const calls = [0, 1, 2].map((i) => waitFor(async () => {
    try {
      await sleep(1);
    } finally {
      seen.push(i);
    }
  }, 0.01).catch((e: unknown) => e));
  const t0 = loop.time();
  const results = await Promise.all(calls);
  for (const r of results) assert.ok(r instanceof TimeoutError);
  assert.deepEqual(seen, [0, 1, 2]);
  assert.ok(loop.time() - t0 >= 0.01);
});

test('10,000 sleeps with one deadline all end, in the order they were made', async () => {
  const order: number[] = [];
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => sleep(0.005, i).then((v) => order.push(v))));
  assert.equal(order.length, 10_000);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
});

test('overdue timers run by when(), and callSoon() before callLater(0) made in the same callback', async () => {
  // asyncio: ['past', 'L0', 'soon', 'soon2', 'later0', 'later0b'].
  const loop = getEventLoop();
  const out: string[] = [];
  loop.callSoon(() => {
    loop.callLater(0, () => out.push('later0'));
    loop.callSoon(() => out.push('soon'));
    loop.callSoon(() => out.push('soon2'));
    loop.callLater(0, () => out.push('later0b'));
  });
  loop.callLater(0, () => out.push('L0'));
  loop.callAt(loop.time() - 1, () => out.push('past'));
  await until(() => out.length >= 6);
  assert.deepEqual(out, ['past', 'L0', 'soon', 'soon2', 'later0', 'later0b']);
});

test('callSoon() made from a callSoon() callback runs before a callLater(0) made there, every time', async () => {
  const loop = getEventLoop();
  for (let round = 0; round < 20; round++) {
    const out: string[] = [];
    loop.callSoon(() => {
      loop.callLater(0, () => out.push('later'));
      loop.callSoon(() => out.push('soon'));
    });
    await until(() => out.length >= 2);
    assert.deepEqual(out, ['soon', 'later']);
  }
});

test('timers with the same deadline run in the order they were scheduled; a cancelled one does not run', async () => {
  const loop = getEventLoop();
  const when = loop.time() + 0.01;
  const out: number[] = [];
  const handles = [0, 1, 2, 3, 4].map((i) => loop.callAt(when, () => out.push(i)));
  handles[2]?.cancel();
  // One callback cancels a later one due in the same turn: it must not run.
  loop.callAt(when - 0.0001, () => handles[4]?.cancel());
  await until(() => out.length >= 3);
  await sleep(0.01);
  assert.deepEqual(out, [0, 1, 3]);
});

test('a cancel() due at the same instant as a timeoutAt() deadline is always delivered as CancelledError', async () => {
  // asyncio: 'cancelled' every time (timeouts.py raises TimeoutError only
  // when uncancel() brings the count back to what it was on entry).
  const loop = getEventLoop();
  const results: string[] = [];
  for (let i = 0; i < 6; i++) {
    const when = loop.time() + 0.02;
    const t = createTask(async () => {
      try {
        await timeoutAt(when, () => sleep(1));
        return 'no';
      } catch (e) {
        if (e instanceof TimeoutError) return 'timeout';
        if (e instanceof CancelledError) return 'cancelled';
        throw e;
      }
    });
    loop.callAt(when, () => t.cancel());
    results.push(await t);
  }
  assert.deepEqual(results, Array(6).fill('cancelled'));
});

test('a sleep past setTimeout\'s 2^31-1 ms limit does not end early and can be cancelled', async () => {
  const t = createTask(() => sleep(2 ** 31 / 1000 + 10, 'woke'));
  await sleep(0.02);
  assert.equal(t.done(), false);
  t.cancel();
  await assert.rejects(t, CancelledError);
});

test('a sleep never ends before its delay on the loop clock', async () => {
  const loop = getEventLoop();
  for (const d of [0.001, 0.002, 0.005, 0.013]) {
    const start = loop.time();
    await sleep(d);
    assert.ok(loop.time() - start >= d, `sleep(${d}) took ${loop.time() - start}`);
  }
});

test('cancelled timers do not keep the process alive', async () => {
  const { spawn } = await import('node:child_process');
  const file = new URL('fixtures/cancelled-timers-exit.ts', import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', file.pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const killer = setTimeout(() => child.kill(), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(killer);
  assert.equal(code, 0);
  assert.equal(out.trim(), 'done');
});

test('a callback that throws is reported and the other timers of its turn still run', async () => {
  const loop = getEventLoop();
  const reported: unknown[] = [];
  const prev = loop.getExceptionHandler();
  loop.setExceptionHandler((ctx) => reported.push(ctx.exception));
  try {
    const when = loop.time() + 0.005;
    const out: string[] = [];
    loop.callAt(when, () => {
      throw new Boom('first');
    });
    loop.callAt(when, () => out.push('second'));
    const slept = createTask(() => sleep(0.005, 'slept'));
    await until(() => out.length >= 1 && slept.done());
    assert.deepEqual(out, ['second']);
    assert.equal(slept.result(), 'slept');
    assert.equal(reported.length, 1);
    assert.ok(reported[0] instanceof Boom);
  } finally {
    loop.setExceptionHandler(prev);
  }
});
