// run(), as asyncio.run: the main task's value, a fresh loop, leftover tasks
// cancelled, SIGINT turned into KeyboardInterrupt (tested in a child process).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  CancelledError, InvalidStateError, createTask, currentTask, getEventLoop, getRunningLoop, newEventLoop, run, sleep,
  type ExceptionContext, type Task,
} from '../../src/index.js';

test('run() returns the value of the main task, named main', async () => {
  const v = await run(async () => {
    assert.equal(currentTask()?.getName(), 'main');
    return sleep(0.001, 'result');
  });
  assert.equal(v, 'result');
});

test('run() accepts a promise', async () => {
  assert.equal(await run(sleep(0.001, 'p')), 'p');
});

test('run() sets a new loop for its duration and closes it after', async () => {
  const outside = getEventLoop();
  let inside: ReturnType<typeof getEventLoop> | undefined;
  await run(async () => {
    inside = getEventLoop();
    assert.equal(inside.isClosed(), false);
  });
  assert.notEqual(inside, outside);
  assert.equal(inside?.isClosed(), true);
  assert.notEqual(getEventLoop(), inside);
});

test('the error of the main task propagates', async () => {
  await assert.rejects(run(async () => {
    await sleep(0);
    throw new RangeError('main failed');
  }), RangeError);
});

test('tasks left running at the end are cancelled and awaited', async () => {
  const steps: string[] = [];
  let leftover: ReturnType<typeof createTask> | undefined;
  await run(async () => {
    leftover = createTask(async () => {
      try {
        await sleep(10);
      } finally {
        steps.push('leftover finally');
      }
    });
    await sleep(0.001);
  });
  assert.equal(leftover?.cancelled(), true);
  assert.deepEqual(steps, ['leftover finally']);
});

test('run() inside a task throws InvalidStateError', async () => {
  await assert.rejects(createTask(() => run(async () => 1)), (e: unknown) => e instanceof InvalidStateError && /inside a task/.test(e.message));
});

test('run() of something that is not a function or a promise throws TypeError', async () => {
  await assert.rejects(run(42 as never), (e: unknown) => e instanceof TypeError && /run\(\): main must be/.test(e.message));
});

test('a main task cancelled from inside ends in CancelledError', async () => {
  await assert.rejects(run(async () => {
    currentTask()!.cancel();
    await sleep(1);
  }), CancelledError);
});

test('loop.stop() during run() makes it throw InvalidStateError (asyncio: RuntimeError); the main task is cancelled and its finally runs', async () => {
  const steps: string[] = [];
  let main: ReturnType<typeof currentTask> = null;
  await assert.rejects(run(async () => {
    main = currentTask();
    try {
      getRunningLoop().stop();
      await sleep(30);
    } catch (e) {
      steps.push(`main caught ${(e as Error).name}`);
      throw e;
    } finally {
      steps.push('main finally');
    }
  }), (e: unknown) => e instanceof InvalidStateError && e.message === 'run(): the event loop was stopped before the future completed');
  assert.deepEqual(steps, ['main caught CancelledError', 'main finally']);
  assert.equal(main!.cancelled(), true);
  assert.throws(() => getRunningLoop(), InvalidStateError);
});

test('loop.stop() during run(): a main task that finishes within the next turn wins, as in asyncio', async () => {
  assert.equal(await run(async () => {
    getRunningLoop().stop();
    return 'done first';
  }), 'done first');
});

test('getRunningLoop() is run()\'s loop inside it, in callbacks and in leftover tasks\' finally blocks; it throws outside', async () => {
  assert.throws(() => getRunningLoop(), (e: unknown) => e instanceof InvalidStateError && e.message === 'no running event loop');
  const seen: unknown[] = [];
  let inside: ReturnType<typeof getRunningLoop> | undefined;
  await run(async () => {
    inside = getRunningLoop();
    assert.equal(inside, getEventLoop());
    assert.equal(inside.isRunning(), true);
    await new Promise<void>((resolve) => inside!.callSoon(() => {
      seen.push(getRunningLoop());
      resolve();
    }));
    createTask(async () => {
      try {
        await sleep(30);
      } finally {
        seen.push(getRunningLoop());
      }
    });
    await sleep(0);
  });
  assert.deepEqual(seen, [inside, inside]);
  assert.equal(inside?.isRunning(), false);
  assert.throws(() => getRunningLoop(), InvalidStateError);
});

test('run() while another loop runs throws InvalidStateError and starts nothing', async (t) => {
  const other = newEventLoop();
  t.after(() => other.close());
  const running = other.runUntilComplete(() => sleep(0.05));
  let started = false;
  await assert.rejects(run(async () => {
    started = true;
  }), (e: unknown) => e instanceof InvalidStateError && /another loop is running/.test(e.message));
  await running;
  assert.equal(started, false);
});

test('run() leaves no SIGINT listener behind, however main ends', async () => {
  const before = process.listenerCount('SIGINT');
  await run(async () => {
    assert.equal(process.listenerCount('SIGINT'), before + 1);
  });
  await assert.rejects(run(async () => {
    throw new RangeError('x');
  }), RangeError);
  await assert.rejects(run(async () => {
    getRunningLoop().stop();
    await sleep(1);
  }), InvalidStateError);
  await assert.rejects(run(async () => {
    currentTask()!.cancel();
    await sleep(1);
  }), CancelledError);
  assert.equal(process.listenerCount('SIGINT'), before);
});

interface ChildResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

// Runs a fixture; `onOutput` sees stdout so far after each chunk and may signal the child.
function runFixture(name: string, onOutput: (stdout: string, kill: (sig: NodeJS.Signals) => void) => void, args: string[] = []): Promise<ChildResult> {
  const file = fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    onOutput(stdout, (sig) => child.kill(sig));
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Sends `sig` once, the first time stdout contains `marker`. */
function once(marker: string, sig: NodeJS.Signals): (stdout: string, kill: (sig: NodeJS.Signals) => void) => void {
  let sent = false;
  return (stdout, kill) => {
    if (!sent && stdout.includes(marker)) {
      sent = true;
      kill(sig);
    }
  };
}

test('SIGINT cancels the main task, run() throws KeyboardInterrupt, the process exits with 130', async () => {
  const r = await runFixture('sigint.ts', once('ready', 'SIGINT'));
  assert.match(r.stdout, /main finally ran/);
  assert.match(r.stderr, /KeyboardInterrupt: interrupted by SIGINT/);
  assert.equal(r.code, 130);
});

test('a caller that catches the KeyboardInterrupt keeps exit code 0', async () => {
  const r = await runFixture('sigint-caught.ts', once('ready', 'SIGINT'));
  assert.match(r.stdout, /caught KeyboardInterrupt true/);
  assert.equal(r.code, 0);
});

test('a second SIGINT while the main task ignores the first interrupts the process at once', async () => {
  const first = once('ready', 'SIGINT');
  const second = once('ignored the first SIGINT', 'SIGINT');
  const r = await runFixture('sigint-twice.ts', (stdout, kill) => {
    first(stdout, kill);
    second(stdout, kill);
  });
  assert.match(r.stdout, /ignored the first SIGINT: true/);
  assert.doesNotMatch(r.stdout, /main finished/);
  assert.equal(r.signal, 'SIGINT');
});

for (const where of ['process', 'loop']) {
  test(`run() leaves SIGINT to a handler the program installed itself (${where === 'process' ? 'before run()' : 'with loop.addSignalHandler in main'})`, async () => {
    const r = await runFixture('sigint-own-handler.ts', once('ready', 'SIGINT'), [where]);
    assert.match(r.stdout, /own handler ran\nmain returned normally/);
    assert.doesNotMatch(r.stderr, /KeyboardInterrupt/);
    assert.equal(r.code, 0, r.stderr);
  });
}

// CPython 3.11: inside asyncio.run(), loop.is_running() is True, a nested
// run_until_complete()/run_forever() raises "This event loop is already
// running" and loop.close() raises "Cannot close a running event loop".
test('run()\'s loop is running inside it: nested runs and close() throw, and the loop keeps working', async () => {
  await run(async () => {
    const loop = getRunningLoop();
    assert.equal(loop.isRunning(), true);
    const already = (e: unknown): boolean => e instanceof InvalidStateError && e.message === 'This event loop is already running';
    await assert.rejects(loop.runUntilComplete(() => sleep(0)), already);
    await assert.rejects(loop.runForever(), already);
    assert.throws(() => loop.close(), (e: unknown) => e instanceof InvalidStateError && e.message === 'Cannot close a running event loop');
    assert.equal(loop.isClosed(), false);
    await new Promise<void>((resolve) => loop.callSoon(resolve));
  });
});

// test_runners.py's test_asyncio_run_reports_hanging_tasks_errors: a leftover
// task that fails while being cancelled is reported to run()'s loop handler.
test('a leftover task that fails on cancellation is reported through run()\'s loop exception handler', async () => {
  const seen: ExceptionContext[] = [];
  let leftover: Task<void> | undefined;
  assert.equal(await run(async () => {
    getRunningLoop().setExceptionHandler((c) => seen.push(c));
    leftover = createTask(async () => {
      try {
        await sleep(0.1);
      } catch {
        throw new RangeError('1 / 0');
      }
    });
    return 123;
  }), 123);
  assert.equal(leftover!.done(), true);
  assert.equal(seen.length, 1);
  assert.match(seen[0]!.message, /run\(\).*shutdown/);
  assert.equal(seen[0]!.task, leftover!.getName());
  assert.ok(seen[0]!.exception instanceof RangeError);
});
