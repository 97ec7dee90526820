// One benchmark case per process (aiots's promise hooks and an
// AsyncLocalStorage, once enabled, stay on for the whole process, so each
// case starts from a clean slate).
// Usage: node --import tsx cases.ts <case>  → prints one JSON line.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import { Queue, TaskGroup, createTask, gather, sleep } from '../../src/index.ts';

const TASKS = 100_000;
const GATHER = 10_000;
const ITEMS = 1_000_000;
const SLEEPERS = 10_000;

async function work(i: number): Promise<number> {
  await Promise.resolve();
  return i;
}

// Set by instructions.ts, which counts the difference between two repeat counts.
const REPEAT = Number(process.env.BENCH_REPEAT ?? 0);

// The best of several runs: noise on a shared machine only ever adds time.
async function timeIt(fn: () => Promise<unknown>, repeat = 7): Promise<number> {
  if (REPEAT > 0) repeat = REPEAT;
  await fn(); // warm-up
  let best = Infinity;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best / 1000;
}

// A minimal unbounded channel: the plain array + promise hand-off.
class Channel<T> {
  readonly #items: T[] = [];
  #head = 0;
  #waiter: ((v: T) => void) | undefined;
  put(item: T): void {
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w(item);
    } else this.#items.push(item);
  }

  get(): Promise<T> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head++] as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      return Promise.resolve(item);
    }
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }
}

// The least a task can be under DESIGN.md's rules, for the floor row: made
// from a function, started on a later microtask, awaitable as a thenable (a
// Task is not a native Promise), and carrying its context through its
// promises with V8's promise hooks (what currentTask() needs); no cancellation.
const CTX = Symbol('floor-task');
let floorCurrent: FloorTask | undefined;
const floorSaved: (FloorTask | undefined)[] = [];
let floorQueue: FloorTask[] = [];
type Carrier = Promise<unknown> & { [CTX]?: FloorTask };

function drainFloor(): void {
  const q = floorQueue;
  floorQueue = [];
  for (const t of q) t.start();
}

class FloorTask implements PromiseLike<number> {
  fn: (() => Promise<number>) | undefined;
  p: Promise<number> | undefined = undefined;
  constructor(fn: () => Promise<number>) {
    this.fn = fn;
    if (floorQueue.push(this) === 1) queueMicrotask(drainFloor);
  }

  start(): void {
    const prev = floorCurrent;
    floorCurrent = this;
    try {
      this.p = (this.fn as () => Promise<number>)();
    } finally {
      floorCurrent = prev;
    }
    this.fn = undefined;
  }

  then<A = number, B = never>(f?: ((v: number) => A | PromiseLike<A>) | null, r?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return (this.p ?? Promise.resolve().then(() => this.p as Promise<number>)).then(f, r);
  }
}

const cases: Record<string, () => Promise<number>> = {
  // (a) create and await 100k tasks vs plain async calls
  'async-calls': () => timeIt(async () => {
    const ps: Promise<number>[] = [];
    for (let i = 0; i < TASKS; i++) ps.push(work(i));
    for (const p of ps) await p;
  }),
  'async-calls+als': async () => {
    // The same plain calls, once an AsyncLocalStorage is active in the process.
    const als = new AsyncLocalStorage<number>();
    return als.run(1, () => cases['async-calls']!());
  },
  'async-calls+hooks': async () => {
    // The same plain calls, once aiots's promise hooks are installed (the first
    // task installs them; a program with a task anywhere pays this).
    await createTask(async () => undefined);
    return cases['async-calls']!();
  },
  'async-calls-in-als-run': () => {
    // The floor for any task that carries a context: each call in its own run().
    const als = new AsyncLocalStorage<number>();
    return timeIt(async () => {
      const ps: Promise<number>[] = [];
      for (let i = 0; i < TASKS; i++) ps.push(als.run(i, work, i));
      for (const p of ps) await p;
    });
  },
  'floor-tasks': async () => {
    const { promiseHooks } = await import('node:v8');
    promiseHooks.createHook({
      init: (p: Carrier) => {
        if (floorCurrent !== undefined) p[CTX] = floorCurrent;
      },
      before: (p: Carrier) => {
        floorSaved.push(floorCurrent);
        floorCurrent = p[CTX];
      },
      after: () => {
        floorCurrent = floorSaved.pop();
      },
    });
    return timeIt(async () => {
      const ts = [];
      for (let i = 0; i < TASKS; i++) ts.push(new FloorTask(() => work(i)));
      for (const t of ts) await t;
    });
  },
  'floor-tasks-bare': () => timeIt(async () => {
    // The floor task without any context: what a thenable started on a
    // microtask costs by itself.
    const ts = [];
    for (let i = 0; i < TASKS; i++) ts.push(new FloorTask(() => work(i)));
    for (const t of ts) await t;
  }),
  'floor-tasks-als': () => {
    // The same floor with the context carried by an AsyncLocalStorage (cheap
    // on Node 24's AsyncContextFrame, where promises carry it natively).
    const als = new AsyncLocalStorage<AlsTask>();
    class AlsTask extends FloorTask {
      override start(): void {
        this.p = als.run(this, this.fn as () => Promise<number>);
        this.fn = undefined;
      }
    }
    return timeIt(async () => {
      const ts = [];
      for (let i = 0; i < TASKS; i++) ts.push(new AlsTask(() => work(i)));
      for (const t of ts) await t;
    });
  },
  tasks: () => timeIt(async () => {
    const ts = [];
    for (let i = 0; i < TASKS; i++) ts.push(createTask(() => work(i)));
    for (const t of ts) await t;
  }),
  // (b) gather of 10k vs Promise.all
  'promise-all': () => timeIt(async () => {
    const ps: Promise<number>[] = [];
    for (let i = 0; i < GATHER; i++) ps.push(work(i));
    await Promise.all(ps);
  }),
  'gather-fns': () => timeIt(async () => {
    const fs: (() => Promise<number>)[] = [];
    for (let i = 0; i < GATHER; i++) fs.push(() => work(i));
    await gather(...fs);
  }),
  'gather-promises': () => timeIt(async () => {
    const ps: Promise<number>[] = [];
    for (let i = 0; i < GATHER; i++) ps.push(work(i));
    await gather(...ps);
  }),
  // (c) 1M items from a producer to a consumer
  channel: () => timeIt(async () => {
    const ch = new Channel<number>();
    const consumer = (async () => {
      let sum = 0;
      for (let i = 0; i < ITEMS; i++) sum += await ch.get();
      return sum;
    })();
    for (let i = 0; i < ITEMS; i++) ch.put(i);
    await consumer;
  }, 3),
  'p-queue': () => timeIt(async () => {
    // p-queue is a concurrency limiter, not a channel: the closest use is
    // adding 1M jobs that hand an item to a consumer, one at a time.
    const pq = new PQueue({ concurrency: 1 });
    let sum = 0;
    for (let i = 0; i < ITEMS; i++) void pq.add(() => { sum += i; });
    await pq.onIdle();
    if (sum < 0) throw new Error('unreachable');
  }, 3),
  'queue-unbounded': () => timeIt(async () => {
    const q = new Queue<number>();
    const consumer = (async () => {
      let sum = 0;
      for (let i = 0; i < ITEMS; i++) sum += await q.get();
      return sum;
    })();
    for (let i = 0; i < ITEMS; i++) q.putNowait(i);
    await consumer;
  }, 3),
  'queue-bounded-100': () => timeIt(async () => {
    const q = new Queue<number>(100);
    const consumer = (async () => {
      let sum = 0;
      for (let i = 0; i < ITEMS; i++) sum += await q.get();
      return sum;
    })();
    for (let i = 0; i < ITEMS; i++) await q.put(i);
    await consumer;
  }, 3),
  // (d) 10k sleeps of 0.1 s: wall time against the 0.1 s ideal
  'timeouts-all': () => timeIt(async () => {
    const ps: Promise<void>[] = [];
    for (let i = 0; i < SLEEPERS; i++) ps.push(new Promise((r) => setTimeout(r, 100)));
    await Promise.all(ps);
  }, 3),
  'taskgroup-sleeps': () => timeIt(async () => {
    await TaskGroup.run((tg) => {
      for (let i = 0; i < SLEEPERS; i++) tg.createTask(() => sleep(0.1));
    });
  }, 3),
};

const name = process.argv[2] ?? '';
const fn = cases[name];
if (fn === undefined) {
  console.error(`unknown case ${name}; cases: ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}
const seconds = await fn();
console.log(JSON.stringify({ case: name, seconds, rssMiB: process.memoryUsage().rss / 2 ** 20 }));
