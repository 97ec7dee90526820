// Bad input, as the issue lists it: every bad argument throws a TypeError,
// RangeError or an aiots error whose message names the function, the
// argument and what was wrong. One table, one row per case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Barrier, BoundedSemaphore, Condition, Event, Future, InvalidStateError, LifoQueue, Lock, PriorityQueue, Queue, Semaphore,
  Task, TaskGroup, asCompleted, createTask, ensureFuture, gather, newEventLoop, run, setEventLoop, shield, sleep, timeout,
  timeoutAt, wait, waitFor,
} from '../../src/index.js';

type ErrorClass = new (...args: never[]) => Error;
interface Case {
  readonly name: string;
  readonly call: () => unknown;
  readonly error: ErrorClass;
  readonly message: RegExp;
}

// Lets a test pass a value of the wrong type on purpose.
const bad = (x: unknown): never => x as never;
const loop = newEventLoop();
const closedLoop = newEventLoop();
closedLoop.close();

const cases: Case[] = [
  // Durations: NaN, not a number, infinite where a finite one is needed.
  { name: 'sleep(NaN)', call: () => sleep(NaN), error: RangeError, message: /sleep\(\): delay must be a finite number of seconds, got NaN/ },
  { name: 'sleep(Infinity)', call: () => sleep(Infinity), error: RangeError, message: /sleep\(\): delay must be a finite number of seconds, got Infinity/ },
  { name: 'sleep("1")', call: () => sleep(bad('1')), error: TypeError, message: /sleep\(\): delay must be a number of seconds, got string "1"/ },
  { name: 'sleep(undefined)', call: () => sleep(bad(undefined)), error: TypeError, message: /sleep\(\): delay must be a number of seconds, got undefined/ },
  { name: 'sleep(1n)', call: () => sleep(bad(1n)), error: TypeError, message: /got bigint 1/ },
  { name: 'waitFor(aw, NaN)', call: () => waitFor(Promise.resolve(1), NaN), error: RangeError, message: /waitFor\(\): seconds must be a finite number of seconds, got NaN/ },
  { name: 'waitFor(aw, "5")', call: () => waitFor(Promise.resolve(1), bad('5')), error: TypeError, message: /waitFor\(\): seconds must be a number/ },
  { name: 'waitFor(aw, -Infinity)', call: () => waitFor(Promise.resolve(1), -Infinity), error: RangeError, message: /finite/ },
  { name: 'timeout(NaN, fn)', call: () => timeout(NaN, () => 1), error: RangeError, message: /timeout\(\): delay must be a finite number of seconds, got NaN/ },
  { name: 'timeout(Infinity, fn)', call: () => timeout(Infinity, () => 1), error: RangeError, message: /timeout\(\): delay must be a finite/ },
  { name: 'timeout({}, fn)', call: () => timeout(bad({}), () => 1), error: TypeError, message: /timeout\(\): delay must be a number of seconds, got object/ },
  { name: 'timeoutAt(NaN, fn)', call: () => timeoutAt(NaN, () => 1), error: RangeError, message: /timeoutAt\(\): when must not be NaN/ },
  { name: 'timeoutAt("soon", fn)', call: () => timeoutAt(bad('soon'), () => 1), error: TypeError, message: /timeoutAt\(\): when must be a number/ },
  { name: 'Timeout.reschedule(NaN)', call: () => createTask(() => timeout(1, (t) => t.reschedule(NaN))), error: RangeError, message: /Timeout\.reschedule\(\): when must not be NaN/ },
  { name: 'wait(aws, { timeout: NaN })', call: () => wait([Promise.resolve(1)], { timeout: NaN }), error: RangeError, message: /wait\(\): timeout must be a finite number of seconds, got NaN/ },
  { name: 'asCompleted(aws, { timeout: "1" })', call: () => asCompleted([Promise.resolve(1)], { timeout: bad('1') }), error: TypeError, message: /asCompleted\(\): timeout must be a number/ },
  { name: 'loop.callLater(NaN, cb)', call: () => loop.callLater(NaN, () => {}), error: RangeError, message: /callLater\(\): delay must be a finite/ },
  { name: 'loop.callAt(Infinity, cb)', call: () => loop.callAt(Infinity, () => {}), error: RangeError, message: /callAt\(\): when must be a finite number/ },
  { name: 'loop.callAt(NaN, cb)', call: () => loop.callAt(NaN, () => {}), error: RangeError, message: /callAt\(\): when must not be NaN/ },
  { name: 'loop.slowCallbackDuration = NaN', call: () => {
    loop.slowCallbackDuration = NaN;
  }, error: RangeError, message: /slowCallbackDuration: seconds must be a finite/ },

  // Functions where a function is needed.
  { name: 'createTask(promise)', call: () => createTask(bad(Promise.resolve(1))), error: TypeError, message: /createTask\(\): fn \(a function returning a promise; a promise already runs and cannot be cancelled, pass \(\) => promise\) must be a function, got object/ },
  { name: 'createTask(null)', call: () => createTask(bad(null)), error: TypeError, message: /createTask\(\): fn .* must be a function, got null/ },
  { name: 'createTask("fn")', call: () => createTask(bad('fn')), error: TypeError, message: /must be a function, got string "fn"/ },
  { name: 'new Task(42)', call: () => new Task(bad(42)), error: TypeError, message: /must be a function, got number 42/ },
  { name: 'loop.createTask(undefined)', call: () => loop.createTask(bad(undefined)), error: TypeError, message: /must be a function, got undefined/ },
  { name: 'createTask(fn, { name: 1 })', call: () => createTask(async () => {}, bad({ name: 1 })), error: TypeError, message: /createTask\(\): name must be a string, got number/ },
  { name: 'task.setName(null)', call: () => createTask(async () => {}).setName(bad(null)), error: TypeError, message: /setName\(\): name must be a string/ },
  { name: 'TaskGroup.run(42)', call: () => TaskGroup.run(bad(42)), error: TypeError, message: /TaskGroup\.run\(\): body must be a function, got number 42/ },
  { name: 'tg.createTask(promise)', call: () => TaskGroup.run((tg) => tg.createTask(bad(Promise.resolve()))).catch((e: AggregateError) => {
    throw e.errors[0];
  }), error: TypeError, message: /TaskGroup\.createTask\(\): fn must be a function, got object/ },
  { name: 'timeout(1, "body")', call: () => timeout(1, bad('body')), error: TypeError, message: /timeout\(\): fn must be a function, got string/ },
  { name: 'timeoutAt(null, 1)', call: () => timeoutAt(null, bad(1)), error: TypeError, message: /timeoutAt\(\): fn must be a function, got number 1/ },
  { name: 'loop.callSoon(42)', call: () => loop.callSoon(bad(42)), error: TypeError, message: /callSoon\(\): callback must be a function, got number 42/ },
  { name: 'loop.callLater(1, "cb")', call: () => loop.callLater(1, bad('cb')), error: TypeError, message: /callLater\(\): callback must be a function, got string/ },
  { name: 'future.addDoneCallback(1)', call: () => new Future().addDoneCallback(bad(1)), error: TypeError, message: /addDoneCallback\(\): fn must be a function/ },
  { name: 'Condition.waitFor("x")', call: () => new Condition().waitFor(bad('x')), error: TypeError, message: /Condition\.waitFor\(\): predicate must be a function, got string/ },
  { name: 'run(42)', call: () => run(bad(42)), error: TypeError, message: /run\(\): main must be an async function or a promise, got number 42/ },
  { name: 'run(main, { debug: "yes" })', call: () => run(async () => 1, { debug: bad('yes') }), error: TypeError, message: /run\(\): debug must be a boolean, got string "yes"/ },

  // What the waiting functions accept.
  { name: 'gather(42)', call: () => gather(bad(42)), error: TypeError, message: /gather\(\): argument 0: expected a Task, Future, promise or function returning a promise, got number 42/ },
  { name: 'ensureFuture("x")', call: () => ensureFuture(bad('x')), error: TypeError, message: /ensureFuture\(\): expected a Task, Future, promise or function/ },
  { name: 'shield(null)', call: () => shield(bad(null)), error: TypeError, message: /shield\(\): expected .* got null/ },
  { name: 'waitFor(1, 1)', call: () => waitFor(bad(1), 1), error: TypeError, message: /waitFor\(\): expected .* got number 1/ },
  { name: 'wait(42)', call: () => wait(bad(42)), error: TypeError, message: /wait\(\): aws must be an iterable/ },
  { name: 'wait([1])', call: () => wait([bad(1)]), error: TypeError, message: /wait\(\): item 0: expected/ },
  { name: 'wait([])', call: () => wait([]), error: RangeError, message: /wait\(\): the set of awaitables is empty/ },
  { name: 'wait(aws, { returnWhen: "SOMETIMES" })', call: () => wait([Promise.resolve(1)], { returnWhen: bad('SOMETIMES') }), error: RangeError, message: /wait\(\): invalid returnWhen "SOMETIMES"/ },
  { name: 'asCompleted(null)', call: () => asCompleted(bad(null)), error: TypeError, message: /asCompleted\(\): aws must be an iterable/ },

  // Sizes and counts that must be integers.
  { name: 'new Queue(1.5)', call: () => new Queue(1.5), error: RangeError, message: /Queue\(\): maxsize must be an integer, got 1\.5/ },
  { name: 'new Queue("10")', call: () => new Queue(bad('10')), error: TypeError, message: /Queue\(\): maxsize must be an integer, got string "10"/ },
  { name: 'new Queue(NaN)', call: () => new Queue(NaN), error: RangeError, message: /Queue\(\): maxsize must be an integer, got NaN/ },
  { name: 'new LifoQueue(Infinity)', call: () => new LifoQueue(Infinity), error: RangeError, message: /LifoQueue\(\): maxsize must be an integer, got Infinity/ },
  { name: 'new PriorityQueue(0, { compare: 1 })', call: () => new PriorityQueue(0, bad({ compare: 1 })), error: TypeError, message: /PriorityQueue\(\): compare must be a function/ },
  { name: 'new Semaphore(1.5)', call: () => new Semaphore(1.5), error: RangeError, message: /Semaphore\(\): value must be an integer, got 1\.5/ },
  { name: 'new Semaphore("2")', call: () => new Semaphore(bad('2')), error: TypeError, message: /Semaphore\(\): value must be an integer, got string "2"/ },
  { name: 'new Semaphore(-1)', call: () => new Semaphore(-1), error: RangeError, message: /Semaphore\(\): value must be >= 0, got -1/ },
  { name: 'new BoundedSemaphore(NaN)', call: () => new BoundedSemaphore(NaN), error: RangeError, message: /BoundedSemaphore\(\): value must be an integer, got NaN/ },
  { name: 'new Barrier(0)', call: () => new Barrier(0), error: RangeError, message: /Barrier\(\): parties must be >= 1, got 0/ },
  { name: 'new Barrier(2.5)', call: () => new Barrier(2.5), error: RangeError, message: /Barrier\(\): parties must be an integer, got 2\.5/ },
  { name: 'condition.notify(-1)', call: async () => {
    const c = new Condition();
    await c.acquire();
    c.notify(-1);
  }, error: RangeError, message: /Condition\.notify\(\): n must be >= 0, got -1/ },

  // Releasing what is not held; wrong state.
  { name: 'queue.taskDone() too often', call: () => new Queue().taskDone(), error: InvalidStateError, message: /taskDone\(\) called too many times/ },
  { name: 'lock.release() unheld', call: () => new Lock().release(), error: InvalidStateError, message: /Lock\.release\(\): the lock is not acquired/ },
  { name: 'condition.release() unheld', call: () => new Condition().release(), error: InvalidStateError, message: /not acquired/ },
  { name: 'condition.wait() unheld', call: () => new Condition().wait(), error: InvalidStateError, message: /Condition\.wait\(\): cannot wait on an un-acquired lock/ },
  { name: 'boundedSemaphore.release() over the bound', call: () => new BoundedSemaphore(1).release(), error: InvalidStateError, message: /BoundedSemaphore released too many times/ },
  { name: 'future.setResult() twice', call: () => {
    const f = new Future<number>();
    f.setResult(1);
    f.setResult(2);
  }, error: InvalidStateError, message: /setResult\(\): the future is already done/ },
  { name: 'task.result() while pending', call: () => createTask(() => sleep(0)).result(), error: InvalidStateError, message: /Result is not set/ },
  { name: 'new TaskGroup() outside a task', call: () => new TaskGroup(), error: InvalidStateError, message: /TaskGroup must be created inside a task/ },
  { name: 'a task awaiting itself', call: () => {
    const box: { t?: Task<unknown> } = {};
    box.t = createTask(async () => {
      await sleep(0);
      await box.t;
    }, { name: 'selfish' });
    return box.t;
  }, error: InvalidStateError, message: /Task selfish cannot await itself/ },
  { name: 'using a closed loop', call: () => closedLoop.callSoon(() => {}), error: InvalidStateError, message: /Event loop is closed/ },
  { name: 'runUntilComplete() on a closed loop', call: () => closedLoop.runUntilComplete(Promise.resolve()), error: InvalidStateError, message: /Event loop is closed/ },
  { name: 'run() inside a task', call: () => createTask(() => run(async () => 1)), error: InvalidStateError, message: /run\(\) cannot be called from inside a task/ },

  // Options of the wrong type.
  { name: 'sleep(1, v, { signal: "x" })', call: () => sleep(1, 0, { signal: bad('x') }), error: TypeError, message: /sleep\(\): signal must be an AbortSignal, got string/ },
  { name: 'lock.acquire({ signal: {} })', call: () => new Lock().acquire({ signal: bad({}) }), error: TypeError, message: /Lock\.acquire\(\): signal must be an AbortSignal, got object/ },
  { name: 'event.wait({ signal: 1 })', call: () => new Event().wait({ signal: bad(1) }), error: TypeError, message: /Event\.wait\(\): signal must be an AbortSignal/ },
  { name: 'queue.get({ signal: true })', call: () => new Queue().get({ signal: bad(true) }), error: TypeError, message: /Queue\.get\(\): signal must be an AbortSignal, got boolean true/ },
  { name: 'new Condition(lockLike)', call: () => new Condition(bad({ acquire() {} })), error: TypeError, message: /Condition\(\): lock must be a Lock/ },
  { name: 'setEventLoop({})', call: () => setEventLoop(bad({})), error: TypeError, message: /setEventLoop\(\): loop must be an EventLoop or null/ },
  { name: 'loop.addSignalHandler("SIGFOO")', call: () => loop.addSignalHandler(bad('SIGFOO'), () => {}), error: TypeError, message: /addSignalHandler\(\): unknown signal string "SIGFOO"/ },
];

async function outcome(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return undefined;
}

for (const c of cases) {
  test(`bad input: ${c.name}`, async () => {
    const e = await outcome(c.call);
    assert.ok(e instanceof c.error, `expected ${c.error.name}, got ${String(e)}`);
    assert.match((e).message, c.message);
  });
}

test('a negative duration means zero, as in asyncio', async () => {
  assert.equal(await sleep(-1, 'now'), 'now');
  assert.equal(await waitFor(Promise.resolve('done'), -1).catch((e: unknown) => (e as Error).name), 'TimeoutError');
  const h = loop.callLater(-5, () => {});
  assert.ok(h.when() <= loop.time());
  h.cancel();
});

test.after(() => loop.close());
