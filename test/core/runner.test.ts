// Runner, as asyncio.Runner: the cases of CPython's test_asyncio/test_runners.py
// (RunnerTests) that apply, and what the Python side does, checked with
// CPython 3.11 (several run() calls share one loop; a task left by one run
// carries on in the next; close() cancels leftovers with the loop running).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CancelledError, EventLoop, InvalidStateError, Runner, createTask, getEventLoop, getRunningLoop, newEventLoop, run, sleep,
} from '../../src/index.js';
import { debugEnabled } from '../../src/core/debug.js';

const closedRunner = (e: unknown): boolean => e instanceof InvalidStateError && e.message === 'Runner is closed';

test('debug: the loop is in debug mode while the runner is open, as asked (test_debug, test_non_debug)', async () => {
  const before = debugEnabled();
  for (const debug of [true, false]) {
    const runner = new Runner({ debug });
    assert.equal(runner.getLoop().getDebug(), debug);
    assert.equal(await runner.run(async () => getRunningLoop().getDebug()), debug);
    await runner.close();
    assert.equal(debugEnabled(), before);
  }
});

test('loopFactory makes the loop, which is not made current (test_custom_factory)', async () => {
  const mine = newEventLoop();
  const runner = new Runner({ loopFactory: () => mine });
  assert.equal(runner.getLoop(), mine);
  assert.notEqual(getEventLoop(), mine);
  assert.equal(await runner.run(async () => getRunningLoop() === mine), true);
  await runner.close();
  assert.equal(mine.isClosed(), true);
  const bad = new Runner({ loopFactory: () => ({}) as EventLoop });
  assert.throws(() => bad.getLoop(), (e: unknown) => e instanceof TypeError && /loopFactory must return an EventLoop/.test(e.message));
});

test('run() returns the value; after close() the runner is closed and so is its loop (test_run)', async () => {
  let loop: EventLoop;
  const outer = new Runner();
  {
    await using runner = outer;
    assert.equal(await runner.run(async () => {
      await sleep(0);
      return 'done';
    }), 'done');
    loop = runner.getLoop();
    assert.equal(getEventLoop(), loop);
  }
  assert.throws(() => outer.getLoop(), closedRunner);
  await assert.rejects(outer.run(async () => 2), closedRunner);
  assert.equal(loop.isClosed(), true);
  // The runner's loop is no longer the current one.
  assert.notEqual(getEventLoop(), loop);
});

test('run() of something that is not a function or a promise throws TypeError (test_run_non_coro)', async () => {
  await using runner = new Runner();
  for (const bad of [123, null, {}, 'main']) {
    await assert.rejects(runner.run(bad as never), (e: unknown) => e instanceof TypeError && /Runner\.run\(\): main must be an async function or a promise/.test(e.message));
  }
  // A promise is taken, as run() takes one.
  assert.equal(await runner.run(Promise.resolve(5)), 5);
});

test('explicit close(), and a second close() does nothing (test_explicit_close, test_double_close)', async () => {
  const runner = new Runner();
  const loop = runner.getLoop();
  await runner.close();
  assert.throws(() => runner.getLoop(), closedRunner);
  assert.equal(loop.isClosed(), true);
  await runner.close();
  assert.equal(loop.isClosed(), true);
  // close() before the loop was made leaves the runner usable, as asyncio's.
  const early = new Runner();
  await early.close();
  assert.equal(await early.run(async () => 'still usable'), 'still usable');
  await early.close();
});

test('run() inside a run() throws (test_recursive_run); so does run() inside asyncio-style run()', async () => {
  await using runner = new Runner();
  await assert.rejects(runner.run(() => runner.run(async () => 1)), (e: unknown) => e instanceof InvalidStateError && e.message === 'Runner.run() cannot be called from a running event loop');
  const other = new Runner();
  await assert.rejects(run(() => other.run(async () => 1)), (e: unknown) => e instanceof InvalidStateError && /cannot be called from a running event loop/.test(e.message));
  await other.close();
});

test('several run() calls share one loop; a task left by one carries on in the next; isRunning() only inside', async () => {
  await using runner = new Runner();
  const loop = runner.getLoop();
  const log: number[] = [];
  let bg: ReturnType<typeof createTask<void>> | undefined;
  await runner.run(async () => {
    assert.equal(loop.isRunning(), true);
    assert.equal(getRunningLoop(), loop);
    bg = createTask(async () => {
      for (let i = 0; i < 1000; i++) {
        await sleep(0.001);
        log.push(i);
      }
    });
    await sleep(0.005);
  });
  assert.equal(loop.isRunning(), false);
  assert.throws(() => getRunningLoop(), InvalidStateError);
  const progressed = await runner.run(async () => {
    const n = log.length;
    await sleep(0.01);
    return log.length > n;
  });
  assert.equal(progressed, true);
  assert.equal(bg!.done(), false);
  await runner.close();
  assert.equal(bg!.cancelled(), true);
});

test('close() cancels and awaits leftover tasks with the loop running, reports their errors to the loop\'s handler', async () => {
  const runner = new Runner();
  const loop = runner.getLoop();
  const reported: string[] = [];
  loop.setExceptionHandler((c) => reported.push(`${c.message} ${(c.exception as Error).message} ${c.task}`));
  let sawRunning: boolean | undefined;
  await runner.run(async () => {
    createTask(async () => {
      try {
        await sleep(10);
      } finally {
        await sleep(0);
        sawRunning = getRunningLoop() === loop;
      }
    }, { name: 'polite' });
    createTask(async () => {
      try {
        await sleep(10);
      } catch {
        throw new RangeError('rude');
      }
    }, { name: 'rude' });
    await sleep(0);
  });
  await runner.close();
  assert.equal(sawRunning, true);
  assert.deepEqual(reported, ['unhandled exception during Runner.close() shutdown rude rude']);
});

test('close() while the runner\'s loop runs throws and closes nothing', async () => {
  await using runner = new Runner();
  await assert.rejects(runner.run(() => runner.close()), (e: unknown) => e instanceof InvalidStateError && /Cannot close a running event loop/.test(e.message));
  assert.equal(await runner.run(async () => 'open'), 'open');
});

test('the main task is named main and cancelled from inside ends in CancelledError; the runner stays usable', async () => {
  await using runner = new Runner();
  await assert.rejects(runner.run(async () => {
    const { currentTask } = await import('../../src/index.js');
    assert.equal(currentTask()!.getName(), 'main');
    currentTask()!.cancel();
    await sleep(1);
  }), CancelledError);
  await assert.rejects(runner.run(async () => {
    throw new RangeError('spam');
  }), /spam/);
  assert.equal(await runner.run(async () => 'after'), 'after');
});

test('using (sync): leftovers are cancelled and the loop closed at once; their cleanup runs afterwards', async () => {
  let cleaned = false;
  let loop: EventLoop;
  let left: ReturnType<typeof createTask<void>> | undefined;
  {
    using runner = new Runner();
    loop = runner.getLoop();
    await runner.run(async () => {
      left = createTask(async () => {
        try {
          await sleep(10);
        } finally {
          cleaned = true;
        }
      });
      await sleep(0);
    });
  }
  assert.equal(loop.isClosed(), true);
  await assert.rejects(left!, CancelledError);
  assert.equal(cleaned, true);
});

test('bad options are refused with the option named', () => {
  assert.throws(() => new Runner({ debug: 'yes' as never }), (e: unknown) => e instanceof TypeError && /debug must be a boolean/.test(e.message));
  assert.throws(() => new Runner({ loopFactory: 3 as never }), (e: unknown) => e instanceof TypeError && /loopFactory must be a function/.test(e.message));
  assert.throws(() => new Runner({ loop_factory: () => newEventLoop() } as never), (e: unknown) => e instanceof TypeError && /loopFactory/.test(e.message));
});

function runChild(fixture: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL(`fixtures/${fixture}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (!sent && stdout.includes('ready')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('SIGINT during run() cancels the awaited future and the main task, throws KeyboardInterrupt; the runner stays usable (test_interrupt_wait)', async () => {
  const r = await runChild('runner-sigint.ts');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'first 1\nready\nmain finally ran\ncaught KeyboardInterrupt true\nfuture cancelled true\nthird 3\n');
});

test('SIGINT while the main task only yields with sleep(0) is delivered at its next sleep(0) (test_interrupt_call_soon)', async () => {
  const r = await runChild('runner-sigint-busy.ts');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ready\ninner caught CancelledError true\ncaught KeyboardInterrupt true\nafter ok\n');
});

// CPython 3.11 prints the same for the Python twin of the fixture.
test('SIGINT on a main task already cancelled once ends the run in CancelledError, not KeyboardInterrupt (test_interrupt_cancelled_task)', async () => {
  const r = await runChild('runner-sigint-cancelled.ts');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'first cancel swallowed 1\nready\nCancelledError\nnext ok\n');
});
