// The EventLoop facade: asyncio's loop methods over Node's own event loop.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  EventLoop, Future, Handle, InvalidStateError, Task, TimerHandle, createTask, currentTask, getEventLoop, getRunningLoop,
  kServerFactory, newEventLoop, run, setEventLoop, sleep, waitFor, type ExceptionContext,
} from '../../src/index.js';

function fresh(t: { after: (fn: () => void) => void }): EventLoop {
  const loop = newEventLoop();
  t.after(() => {
    if (!loop.isRunning()) loop.close();
  });
  return loop;
}

test('getEventLoop() returns one loop until setEventLoop() changes it', (t) => {
  const a = getEventLoop();
  assert.ok(a instanceof EventLoop);
  assert.equal(getEventLoop(), a);
  const b = newEventLoop();
  assert.notEqual(b, a);
  setEventLoop(b);
  t.after(() => setEventLoop(a));
  assert.equal(getEventLoop(), b);
  setEventLoop(null);
  const c = getEventLoop();
  assert.notEqual(c, b);
  assert.throws(() => setEventLoop({} as EventLoop), (e: unknown) => e instanceof TypeError && /EventLoop or null/.test(e.message));
});

test('time() is monotonic seconds', async (t) => {
  const loop = fresh(t);
  const t0 = loop.time();
  await sleep(0.01);
  const t1 = loop.time();
  assert.ok(t1 - t0 >= 0.009);
  assert.ok(t1 < 1e7); // seconds, not milliseconds since the epoch
});

test('callSoon() runs the callback with its arguments; cancel() prevents it', async (t) => {
  const loop = fresh(t);
  const calls: unknown[] = [];
  const h = loop.callSoon((a: number, b: string) => calls.push([a, b]), 1, 'x');
  assert.ok(h instanceof Handle);
  const dropped = loop.callSoon(() => calls.push('dropped'));
  dropped.cancel();
  assert.equal(dropped.cancelled(), true);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, [[1, 'x']]);
  assert.equal(h.cancelled(), false);
});

test('callLater() runs no earlier than asked; callAt() takes loop time; when() reports it', async (t) => {
  const loop = fresh(t);
  const t0 = loop.time();
  const ran = new Future<number>();
  const h = loop.callLater(0.01, () => ran.setResult(loop.time()));
  assert.ok(h instanceof TimerHandle);
  assert.ok(h.when() >= t0 + 0.01);
  assert.ok((await ran) - t0 >= 0.009);
  const at = new Future<string>();
  const when = loop.time() + 0.005;
  const h2 = loop.callAt(when, (v: string) => at.setResult(v), 'at');
  assert.equal(h2.when(), when);
  assert.equal(await at, 'at');
});

test('a cancelled timer never runs', async (t) => {
  const loop = fresh(t);
  let ran = false;
  const h = loop.callLater(0.001, () => {
    ran = true;
  });
  h.cancel();
  h.cancel();
  await sleep(0.01);
  assert.equal(ran, false);
});

test('a callback that throws is reported through the exception handler', async (t) => {
  const loop = fresh(t);
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((ctx) => seen.push(ctx));
  t.after(() => loop.setExceptionHandler(null));
  assert.equal(typeof loop.getExceptionHandler(), 'function');
  loop.callSoon(function failing() {
    throw new Error('cb');
  });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(seen.length, 1);
  assert.match(seen[0]!.message, /Exception in callback failing/);
  assert.equal((seen[0]!.exception as Error).message, 'cb');
  loop.callExceptionHandler({ message: 'by hand' });
  assert.equal(seen[1]!.message, 'by hand');
  loop.setExceptionHandler(null);
  assert.equal(loop.getExceptionHandler(), null);
});

test('runUntilComplete() returns the result of a promise, a function or a task', async (t) => {
  const loop = fresh(t);
  assert.equal(await loop.runUntilComplete(sleep(0.001, 'promise')), 'promise');
  assert.equal(await loop.runUntilComplete(() => sleep(0.001, 'fn')), 'fn');
  const task = loop.createTask(() => sleep(0.001, 'task'));
  assert.ok(task instanceof Task);
  assert.equal(await loop.runUntilComplete(task), 'task');
  await assert.rejects(loop.runUntilComplete(async () => {
    throw new EvalError('inside');
  }), EvalError);
});

test('isRunning() during runUntilComplete(); a second run throws InvalidStateError', async (t) => {
  const loop = fresh(t);
  const p = loop.runUntilComplete(() => sleep(0.01));
  assert.equal(loop.isRunning(), true);
  await assert.rejects(loop.runUntilComplete(() => sleep(0)), (e: unknown) => e instanceof InvalidStateError && /already running/.test(e.message));
  await assert.rejects(loop.runForever(), InvalidStateError);
  assert.throws(() => loop.close(), (e: unknown) => e instanceof InvalidStateError && /running/.test(e.message));
  await p;
  assert.equal(loop.isRunning(), false);
});

test('runForever() runs until stop()', async (t) => {
  const loop = fresh(t);
  const t0 = loop.time();
  loop.callLater(0.01, () => loop.stop());
  const p = loop.runForever();
  assert.equal(loop.isRunning(), true);
  await p;
  assert.equal(loop.isRunning(), false);
  assert.ok(loop.time() - t0 >= 0.009);
});

test('close() drops pending callbacks; a closed loop refuses work with a clear error', async () => {
  const loop = newEventLoop();
  let ran = false;
  loop.callLater(0.001, () => {
    ran = true;
  });
  loop.close();
  loop.close();
  assert.equal(loop.isClosed(), true);
  await sleep(0.01);
  assert.equal(ran, false);
  const closed = (e: unknown): boolean => e instanceof InvalidStateError && /Event loop is closed/.test(e.message);
  assert.throws(() => loop.callSoon(() => {}), closed);
  assert.throws(() => loop.callLater(1, () => {}), closed);
  assert.throws(() => loop.callAt(1, () => {}), closed);
  assert.throws(() => loop.createTask(async () => {}), closed);
  assert.throws(() => loop.createFuture(), closed);
  await assert.rejects(loop.runUntilComplete(Promise.resolve(1)), closed);
  await assert.rejects(loop.runForever(), closed);
  assert.throws(() => loop.addSignalHandler('SIGWINCH', () => {}), closed);
});

test('createFuture() makes a pending Future', (t) => {
  const f = fresh(t).createFuture<number>();
  assert.ok(f instanceof Future);
  assert.equal(f.done(), false);
});

test('addSignalHandler() calls back on the signal; removeSignalHandler() stops it', async (t) => {
  const loop = fresh(t);
  const got = new Future<string>();
  loop.addSignalHandler('SIGWINCH', (v: string) => got.setResult(v), 'winch');
  process.kill(process.pid, 'SIGWINCH');
  // A signal listener does not keep Node alive: the timeout's timer does.
  assert.equal(await waitFor(got, 5), 'winch');
  assert.equal(loop.removeSignalHandler('SIGWINCH'), true);
  assert.equal(loop.removeSignalHandler('SIGWINCH'), false);
});

test('addSignalHandler() rejects unknown and uncatchable signals', (t) => {
  const loop = fresh(t);
  assert.throws(() => loop.addSignalHandler('SIGNOPE' as NodeJS.Signals, () => {}), (e: unknown) => e instanceof TypeError && /unknown signal/.test(e.message));
  assert.throws(() => loop.addSignalHandler('SIGKILL', () => {}), (e: unknown) => e instanceof RangeError && /cannot be caught/.test(e.message));
});

test('setDebug()/getDebug() and slowCallbackDuration', (t) => {
  const loop = fresh(t);
  const before = loop.getDebug();
  const slow = loop.slowCallbackDuration;
  t.after(() => {
    loop.setDebug(before);
    loop.slowCallbackDuration = slow;
  });
  assert.equal(slow, 0.1);
  loop.setDebug(true);
  assert.equal(loop.getDebug(), true);
  loop.setDebug(false);
  assert.equal(loop.getDebug(), false);
  loop.slowCallbackDuration = 0.5;
  assert.equal(loop.slowCallbackDuration, 0.5);
});

test('createServer() calls the factory; a non-factory is a TypeError', async (t) => {
  const loop = fresh(t);
  const server = await loop.createServer({ [kServerFactory]: async (host, port) => ({ host, port }) }, '127.0.0.1', 0);
  assert.deepEqual(server, { host: '127.0.0.1', port: 0 });
  await assert.rejects(loop.createServer({} as never), (e: unknown) => e instanceof TypeError && /server factory/.test(e.message));
});

test('sleep(), callLater() and timeouts never end early on the loop clock', async (t) => {
  const loop = fresh(t);
  // libuv counts whole milliseconds: without care, timers fire up to 2 ms early.
  for (let i = 0; i < 30; i++) {
    const d = 0.001 + (i % 3) * 0.0007;
    let t0 = loop.time();
    await sleep(d);
    assert.ok(loop.time() - t0 >= d, `sleep(${d}) ended early`);
    t0 = loop.time();
    await new Promise<void>((resolve) => loop.callLater(d, () => resolve()));
    assert.ok(loop.time() - t0 >= d, `callLater(${d}) ran early`);
  }
  const { timeout, TimeoutError } = await import('../../src/index.js');
  const t0 = loop.time();
  await assert.rejects(timeout(0.003, () => sleep(1)), TimeoutError);
  assert.ok(loop.time() - t0 >= 0.003);
});

test('stop() before runForever(): it runs the callbacks already scheduled once, then returns (as asyncio)', async (t) => {
  const loop = fresh(t);
  const calls: string[] = [];
  loop.callSoon(() => calls.push('scheduled before'));
  loop.stop();
  await loop.runForever();
  assert.deepEqual(calls, ['scheduled before']);
  assert.equal(loop.isRunning(), false);
  // The stop was used up: the next runForever() runs until the next stop().
  loop.callLater(0.005, () => {
    calls.push('stopping');
    loop.stop();
  });
  await loop.runForever();
  assert.deepEqual(calls, ['scheduled before', 'stopping']);
});

test('stop() during runUntilComplete() makes it throw, the task runs on, and the stop does not leak into the next runForever()', async (t) => {
  const loop = fresh(t);
  const task = createTask(async () => {
    loop.stop();
    await sleep(0.02);
    return 'finished anyway';
  });
  await assert.rejects(loop.runUntilComplete(task), (e: unknown) => e instanceof InvalidStateError && /stopped before the future completed/.test(e.message));
  assert.equal(loop.isRunning(), false);
  assert.equal(await task, 'finished anyway');
  // A future that completes within the turn after stop() wins, as in asyncio.
  assert.equal(await loop.runUntilComplete(async () => {
    loop.stop();
    return 'done first';
  }), 'done first');
  let ranLater = false;
  loop.callLater(0.005, () => {
    ranLater = true;
    loop.stop();
  });
  await loop.runForever();
  assert.equal(ranLater, true);
});

test('getRunningLoop() and getEventLoop() name the loop of runUntilComplete() and runForever() while it runs, and only then', async (t) => {
  const loop = fresh(t);
  assert.throws(() => getRunningLoop(), (e: unknown) => e instanceof InvalidStateError && e.message === 'no running event loop');
  const seen = await loop.runUntilComplete(async () => [getRunningLoop(), getEventLoop()]);
  assert.deepEqual(seen, [loop, loop]);
  assert.throws(() => getRunningLoop(), InvalidStateError);
  assert.notEqual(getEventLoop(), loop);
  let inForever: unknown;
  loop.callSoon(() => {
    inForever = getRunningLoop();
    loop.stop();
  });
  await loop.runForever();
  assert.equal(inForever, loop);
  assert.throws(() => getRunningLoop(), InvalidStateError);
});

test('one loop runs at a time: another loop\'s runUntilComplete() or runForever() throws InvalidStateError', async (t) => {
  const a = fresh(t);
  const b = fresh(t);
  const running = a.runUntilComplete(() => sleep(0.05, 'a'));
  let started = false;
  await assert.rejects(b.runUntilComplete(async () => {
    started = true;
  }), (e: unknown) => e instanceof InvalidStateError && e.message === 'Cannot run the event loop while another loop is running');
  await assert.rejects(b.runForever(), (e: unknown) => e instanceof InvalidStateError && /another loop is running/.test(e.message));
  assert.equal(await running, 'a');
  assert.equal(started, false);
  assert.equal(await b.runUntilComplete(async () => 'b'), 'b');
});

test('runUntilComplete() and runForever() leave no SIGINT listener behind, however they end', async (t) => {
  const loop = fresh(t);
  const before = process.listenerCount('SIGINT');
  assert.equal(await loop.runUntilComplete(async () => {
    assert.equal(process.listenerCount('SIGINT'), before + 1);
    return 1;
  }), 1);
  await assert.rejects(loop.runUntilComplete(async () => {
    throw new RangeError('x');
  }), RangeError);
  await assert.rejects(loop.runUntilComplete(() => {
    loop.stop();
    return sleep(0.02);
  }), InvalidStateError);
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  assert.equal(process.listenerCount('SIGINT'), before);
});

test('callbacks scheduled from inside a task run with no current task, as in asyncio', async (t) => {
  const loop = fresh(t);
  const soon = new Future<unknown>();
  const later = new Future<unknown>();
  await createTask(async () => {
    assert.notEqual(currentTask(), null);
    loop.callSoon(() => soon.setResult(currentTask()));
    loop.callLater(0.001, () => later.setResult(currentTask()));
  });
  assert.equal(await soon, null);
  assert.equal(await later, null);
});

test('runUntilComplete() keeps the process alive while the task waits on a signal handler (asyncio\'s wait-for-SIGTERM)', async () => {
  const file = fileURLToPath(new URL('fixtures/signal-wait.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const before = stdout;
    stdout += d;
    if (!before.includes('ready') && stdout.includes('ready')) child.kill('SIGTERM');
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /ready\nstopped by SIGTERM\nclosed/);
});

interface ChildResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

// Runs a fixture and sends SIGINT once its stdout says 'ready'.
function interruptFixture(name: string, args: string[]): Promise<ChildResult> {
  const file = fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // A fixture that ignores SIGINT sleeps 30 s: fail instead of waiting.
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000);
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
  return new Promise((resolve) => child.on('close', (code, signal) => {
    clearTimeout(watchdog);
    resolve({ code, signal, stdout, stderr });
  }));
}

test('SIGINT during runUntilComplete() cancels the task and throws KeyboardInterrupt: catch, finally and close() run; uncaught, exit code 130', async () => {
  const r = await interruptFixture('sigint-loop.ts', ['rethrow']);
  assert.equal(r.stdout, 'ready\nmain finally ran\ncaught KeyboardInterrupt true\nfinally: loop closed true, SIGINT listeners 0\n');
  assert.match(r.stderr, /KeyboardInterrupt: interrupted by SIGINT/);
  assert.equal(r.signal, null);
  assert.equal(r.code, 130);
});

test('SIGINT during runUntilComplete(): a caller that catches the KeyboardInterrupt exits with 0', async () => {
  const r = await interruptFixture('sigint-loop.ts', ['catch']);
  assert.equal(r.stdout, 'ready\nmain finally ran\ncaught KeyboardInterrupt true\nfinally: loop closed true, SIGINT listeners 0\n');
  assert.equal(r.code, 0, r.stderr);
});

test('SIGINT during runForever() throws KeyboardInterrupt, as Python\'s run_forever()', async () => {
  const r = await interruptFixture('sigint-loop.ts', ['forever']);
  assert.equal(r.stdout, 'ready\ncaught KeyboardInterrupt true\nfinally: loop closed true, SIGINT listeners 0\n');
  assert.equal(r.code, 0, r.stderr);
});

// CPython 3.11: loop.stop(); loop.run_until_complete(asyncio.sleep(0.01))
// raises "Event loop stopped before Future completed."; the stop is used up,
// so a later run_forever() runs until the next stop().
test('stop() while the loop is idle makes the next runUntilComplete() throw, once; the later runForever() runs normally', async (t) => {
  const loop = fresh(t);
  loop.stop();
  const slow = createTask(() => sleep(0.01));
  await assert.rejects(loop.runUntilComplete(slow), (e: unknown) => e instanceof InvalidStateError && /stopped before the future completed/.test(e.message));
  assert.equal(loop.isRunning(), false);
  await slow;
  let ranLater = false;
  loop.callLater(0.005, () => {
    ranLater = true;
    loop.stop();
  });
  await loop.runForever();
  assert.equal(ranLater, true);
  // A future done within that one turn wins, as in asyncio; the stop is used up.
  loop.stop();
  assert.equal(await loop.runUntilComplete(async () => 5), 5);
  assert.equal(await loop.runUntilComplete(() => sleep(0.005, 'not stopped')), 'not stopped');
  // An already-done future uses the stop up too (asyncio runs one iteration).
  loop.stop();
  const done = new Future<number>();
  done.setResult(7);
  assert.equal(await loop.runUntilComplete(done), 7);
  assert.equal(await loop.runUntilComplete(() => sleep(0.005, 'still not stopped')), 'still not stopped');
});

test('the exception handler belongs to its loop: one set inside run() does not outlive it, nor reach another loop', async (t) => {
  const seenInRun: string[] = [];
  await run(async () => {
    const loop = getRunningLoop();
    loop.setExceptionHandler((c) => seenInRun.push(c.message));
    // A report from code that does not know its loop goes to the running one.
    const task = createTask(async () => 1);
    task.addDoneCallback(() => {
      throw new Error('cb failed');
    });
    await task;
    await sleep(0);
  });
  assert.deepEqual(seenInRun, ['Exception in done callback']);
  assert.equal(newEventLoop().getExceptionHandler(), null);
  assert.equal(getEventLoop().getExceptionHandler(), null);

  const a = fresh(t);
  const b = fresh(t);
  const seenA: string[] = [];
  const seenB: string[] = [];
  a.setExceptionHandler((c) => seenA.push(c.message));
  b.setExceptionHandler((c) => seenB.push(c.message));
  a.callSoon(function inA() {
    throw new Error('a');
  });
  b.callLater(0, function inB() {
    throw new Error('b');
  });
  b.callExceptionHandler({ message: 'by hand to b' });
  await sleep(0.005);
  assert.deepEqual(seenA, ['Exception in callback inA']);
  assert.deepEqual(seenB, ['by hand to b', 'Exception in callback inB']);
});

// asyncio never resumes a task of a closed loop (it is destroyed pending).
// aiots decides otherwise (docs/core.md, "Closing a loop"): a task's steps are
// promise reactions, not callbacks of the loop, so it runs to completion and
// its finally blocks run; only the closed loop refuses new work.
test('close() leaves pending tasks running to completion; the closed loop refuses their calls', async (t) => {
  const loop = fresh(t);
  const steps: string[] = [];
  let task: Task<string> | undefined;
  await loop.runUntilComplete(async () => {
    task = createTask(async () => {
      try {
        await sleep(0.01);
        steps.push('resumed');
        assert.throws(() => loop.callSoon(() => {}), (e: unknown) => e instanceof InvalidStateError && /closed/.test(e.message));
        steps.push('loop refused');
        return 'completed';
      } finally {
        steps.push('finally');
      }
    });
    await sleep(0);
  });
  loop.close();
  assert.equal(task!.done(), false);
  assert.equal(await task!, 'completed');
  assert.deepEqual(steps, ['resumed', 'loop refused', 'finally']);
});
