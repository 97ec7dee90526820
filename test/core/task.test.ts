// Task basics, as CPython's test_tasks.py checks them: results, exceptions,
// names, done callbacks, currentTask/allTasks, start on a microtask.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError, Future, InvalidStateError, Task, allTasks, createTask, currentTask, sleep,
} from '../../src/index.js';

test('a task runs its function and resolves with its value', async () => {
  const t = createTask(async () => {
    await sleep(0);
    return 42;
  });
  assert.ok(t instanceof Task);
  assert.ok(t instanceof Future);
  assert.equal(t.done(), false);
  assert.equal(await t, 42);
  assert.equal(t.done(), true);
  assert.equal(t.cancelled(), false);
  assert.equal(t.result(), 42);
  assert.equal(t.exception(), null);
});

test('a task accepts a synchronous function', async () => {
  const t = createTask(() => 'sync');
  assert.equal(await t, 'sync');
});

test('a task starts on a microtask, not synchronously', async () => {
  const order: string[] = [];
  const t = createTask(async () => {
    order.push('task');
  });
  order.push('caller');
  await t;
  assert.deepEqual(order, ['caller', 'task']);
});

test('a failed task rejects with its error; result() and exception() report it', async () => {
  const err = new Error('boom');
  const t = createTask(async () => {
    await sleep(0);
    throw err;
  });
  await assert.rejects(t, (e) => e === err);
  assert.equal(t.done(), true);
  assert.equal(t.cancelled(), false);
  assert.equal(t.exception(), err);
  assert.throws(() => t.result(), (e) => e === err);
});

test('result() and exception() throw InvalidStateError while pending', async () => {
  const t = createTask(() => sleep(0.01));
  assert.throws(() => t.result(), (e: unknown) => e instanceof InvalidStateError && /not done/.test(e.message));
  assert.throws(() => t.exception(), InvalidStateError);
  await t;
});

test('names: default Task-N, given name, setName', async () => {
  const a = createTask(async () => {});
  assert.match(a.getName(), /^Task-\d+$/);
  const b = createTask(async () => {}, { name: 'worker' });
  assert.equal(b.getName(), 'worker');
  b.setName('renamed');
  assert.equal(b.getName(), 'renamed');
  assert.equal(Object.prototype.toString.call(b), '[object Task]');
  await Promise.all([a, b]);
});

test('currentTask() is the running task inside it and null outside', async () => {
  assert.equal(currentTask(), null);
  // Wrapped: returning a task from an async function would adopt (await) it.
  const t: Task<{ task: Task | null }> = createTask(async () => {
    await sleep(0);
    return { task: currentTask() };
  });
  assert.equal((await t).task, t);
  const seen = await createTask(async () => {
    // Survives native awaits too (the promise carries the task).
    await new Promise((r) => setTimeout(r, 1));
    return currentTask()?.getName();
  }, { name: 'native' });
  assert.equal(seen, 'native');
});

test('the task follows its promises, not callbacks: timers and emitters run with no current task, as asyncio loop callbacks', async () => {
  const { EventEmitter } = await import('node:events');
  const seen: Record<string, string | null> = {};
  const name = (): string | null => currentTask()?.getName() ?? null;
  const outside = Promise.resolve();
  const emitter = new EventEmitter();
  await createTask(async () => {
    seen.start = name();
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        seen.timer = name();
        resolve();
      }, 1);
    });
    seen.afterTimer = name();
    emitter.on('x', () => void (seen.emitter = name()));
    setImmediate(() => emitter.emit('x'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    // A then() registered inside the task runs as the task, even on a promise made outside it.
    await outside.then(() => void (seen.then = name()));
    queueMicrotask(() => void (seen.microtask = name()));
    await sleep(0);
    await Promise.all([sleep(0), (async () => void (seen.nested = name()))()]);
  }, { name: 'carrier' });
  // A promise made outside any task reacts outside it, whoever resolves it.
  let resolveLater!: () => void;
  const later = new Promise<void>((r) => (resolveLater = r));
  const reacted = later.then(name);
  await createTask(async () => resolveLater());
  assert.deepEqual({ ...seen, reacted: await reacted, after: name() }, {
    start: 'carrier', timer: null, afterTimer: 'carrier', emitter: null, then: 'carrier', microtask: null, nested: 'carrier', reacted: null, after: null,
  });
});

test('two tasks interleaving their awaits each keep their own identity', async () => {
  const log: string[] = [];
  const step = async (label: string): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      log.push(`${label}:${currentTask()?.getName()}`);
      await (i % 2 === 0 ? sleep(0) : Promise.resolve());
    }
  };
  await Promise.all([createTask(() => step('a'), { name: 'A' }), createTask(() => step('b'), { name: 'B' })]);
  assert.deepEqual(log.filter((l) => l.startsWith('a')), ['a:A', 'a:A', 'a:A']);
  assert.deepEqual(log.filter((l) => l.startsWith('b')), ['b:B', 'b:B', 'b:B']);
});

test('allTasks() holds the tasks not yet done', async () => {
  const t = createTask(() => sleep(0.01), { name: 'sleeper' });
  assert.ok(allTasks().has(t));
  await t;
  assert.ok(!allTasks().has(t));
});

test('done callbacks run once the task is done, in order; removeDoneCallback counts removals', async () => {
  const calls: string[] = [];
  const t = createTask(() => sleep(0.001, 'v'));
  const a = (f: Task<string>): void => {
    calls.push(`a:${f.result()}`);
  };
  const b = (): void => {
    calls.push('b');
  };
  const c = (): void => {
    calls.push('c');
  };
  t.addDoneCallback(a);
  t.addDoneCallback(b);
  t.addDoneCallback(c);
  t.addDoneCallback(c);
  assert.equal(t.removeDoneCallback(c), 2);
  assert.equal(t.removeDoneCallback(c), 0);
  await t;
  await sleep(0);
  assert.deepEqual(calls, ['a:v', 'b']);
  // Added after done: still called, soon.
  const late = new Promise<Task<string>[]>((resolve) => t.addDoneCallback((f) => resolve([f])));
  assert.equal((await late)[0], t);
});

test('a done callback that throws is reported, not thrown', async (t) => {
  const { getEventLoop } = await import('../../src/index.js');
  const loop = getEventLoop();
  const seen: string[] = [];
  loop.setExceptionHandler((ctx) => seen.push(ctx.message));
  t.after(() => loop.setExceptionHandler(null));
  const task = createTask(async () => 1);
  task.addDoneCallback(() => {
    throw new Error('cb failed');
  });
  await task;
  await sleep(0);
  assert.deepEqual(seen, ['Exception in done callback']);
});

test('awaiting a task from inside itself throws InvalidStateError', async () => {
  const box: { self?: Task<unknown> } = {};
  const t = createTask(async () => {
    await sleep(0);
    await box.self;
  });
  box.self = t;
  await assert.rejects(t, (e: unknown) => e instanceof InvalidStateError && /cannot await itself/.test(e.message));
});

test('awaiting a task from another task returns its result', async () => {
  const inner = createTask(() => sleep(0.001, 'inner'));
  const outer = createTask(async () => `outer+${await inner}`);
  assert.equal(await outer, 'outer+inner');
});

test('a Future can be resolved by hand and only once', async () => {
  const f = new Future<number>();
  setTimeout(() => f.setResult(7), 1);
  assert.equal(await f, 7);
  assert.throws(() => f.setResult(8), (e: unknown) => e instanceof InvalidStateError && /already done/.test(e.message));
  assert.throws(() => f.setException(new Error('x')), InvalidStateError);
  assert.equal(f.cancel(), false);
  const g = new Future<number>();
  g.setException(new Error('bad'));
  await assert.rejects(g, /bad/);
  const h = new Future<number>();
  assert.equal(h.cancel('why'), true);
  assert.equal(h.cancelled(), true);
  await assert.rejects(h, (e: unknown) => e instanceof CancelledError && e.message === 'why');
  assert.throws(() => h.exception(), CancelledError);
});

test('catch and finally work on futures like on promises', async () => {
  const f = new Future<number>();
  f.setException(new Error('nope'));
  assert.equal(await f.catch((e: unknown) => (e as Error).message), 'nope');
  let ran = false;
  const g = new Future<number>();
  g.setResult(1);
  assert.equal(await g.finally(() => {
    ran = true;
  }), 1);
  assert.equal(ran, true);
});

test('a task ends only by its function: setResult and setException throw', async () => {
  const t = createTask(() => sleep(0, 'own'));
  assert.throws(() => t.setResult('forced'), (e: unknown) => e instanceof InvalidStateError && /cannot be set/.test(e.message));
  assert.throws(() => t.setException(new Error('forced')), InvalidStateError);
  assert.equal(t.done(), false);
  assert.equal(await t, 'own');
});

// A running task's promise is the reaction that watches its body; these pin
// that every way of ending reaches whoever awaits it while it runs.
test('awaiting a running task sees each way it ends', async () => {
  const ok = createTask(() => sleep(0.001, 'v'));
  const bad = createTask(async () => {
    await sleep(0.001);
    throw new Error('boom');
  });
  const late = createTask(async () => {
    await sleep(0.001);
    currentTask()?.cancel('at the end');
    return 'ignored'; // cancelled right before returning: ends cancelled
  });
  await sleep(0); // all three are running now
  const seen = await Promise.allSettled([ok, ok.then((v) => `${v}!`), bad, late, late.finally(() => undefined)]);
  assert.deepEqual(seen.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).name)), ['v', 'v!', 'Error', 'CancelledError', 'CancelledError']);
  assert.equal(late.cancelled(), true);
  // Awaited again once done: the same outcomes.
  assert.equal(await ok, 'v');
  await assert.rejects(bad, /boom/);
});

test('a task that fails with nobody awaiting it raises no unhandled rejection', async (t) => {
  const { getEventLoop } = await import('../../src/index.js');
  const loop = getEventLoop();
  loop.setExceptionHandler(() => undefined);
  t.after(() => loop.setExceptionHandler(null));
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  const task = createTask(async () => {
    await sleep(0);
    throw new Error('unseen');
  });
  await sleep(0.01);
  assert.equal(task.done(), true);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(unhandled, []);
  assert.equal((task.exception() as Error).message, 'unseen');
});
