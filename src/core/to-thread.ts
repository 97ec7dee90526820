/**
 * `toThread`, as `asyncio.to_thread`: run CPU-bound work off the event loop.
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InvalidStateError } from './errors.js';
import { Future } from './future.js';
import type { SignalOptions } from './sleep.js';
import { suspend } from './suspend.js';
import { toFunction } from './validate.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';

// The worker compiles each function's source once and calls it with the
// structured-cloned arguments; results and errors come back the same way.
// A function's source is what its runner made of the .ts file: tsc and Node's
// type stripping leave plain JavaScript, but tsx (esbuild with keepNames)
// wraps named inner functions, arrows and classes in calls to its __name
// helper, which lives in the caller's module, not in the worker: the worker
// defines the same helper (it only sets a function's name).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
globalThis.require = require;
if (typeof globalThis.__name !== 'function') {
  globalThis.__name = (target, value) => Object.defineProperty(target, 'name', { value, configurable: true });
}
const cache = new Map();
parentPort.on('message', async ({ id, src, args }) => {
  try {
    let fn = cache.get(src);
    if (fn === undefined) { fn = (0, eval)('(' + src + ')'); cache.set(src, fn); }
    parentPort.postMessage({ id, ok: true, value: await fn(...args) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error });
  }
});
`;

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: unknown;
}

class PoolWorker {
  readonly worker: Worker;
  readonly #pool: Pool;
  job: { id: number; fut: Future<unknown> } | undefined = undefined;

  constructor(pool: Pool, onExit: (w: PoolWorker) => void) {
    this.#pool = pool;
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.#finish(reply));
    this.worker.on('error', (error) => this.#fail(error));
    this.worker.on('exit', (code) => {
      this.#fail(new InvalidStateError(`toThread(): the worker exited with code ${code}`));
      onExit(this);
    });
  }

  #finish(reply: Reply): void {
    const job = this.job;
    if (job === undefined || job.id !== reply.id) return;
    this.job = undefined;
    this.worker.unref();
    // Settled only if still pending; the worker goes back to the pool either way.
    if (!job.fut.done()) {
      if (reply.ok) job.fut.setResult(reply.value);
      else job.fut.setException(reply.error);
    }
    this.#pool.release(this);
  }

  #fail(error: unknown): void {
    const job = this.job;
    this.job = undefined;
    if (job !== undefined && !job.fut.done()) job.fut.setException(error);
  }
}

/** @internal Worker threads that run self-contained functions, at most `max` at once. */
export class Pool {
  readonly #idle: PoolWorker[] = [];
  readonly #all = new Set<PoolWorker>();
  readonly #queue: { src: string; args: unknown[]; fut: Future<unknown> }[] = [];
  readonly #max: number;
  #nextId = 0;
  #closed = false;

  constructor(max: number) {
    this.#max = max;
  }

  submit(src: string, args: unknown[], fut: Future<unknown>): void {
    const w = this.#idle.pop() ?? (this.#all.size < this.#max ? this.#spawn() : undefined);
    if (w === undefined) this.#queue.push({ src, args, fut });
    else this.#run(w, src, args, fut);
  }

  release(w: PoolWorker): void {
    if (this.#closed) {
      void w.worker.terminate();
      return;
    }
    const next = this.#nextJob();
    if (next === undefined) this.#idle.push(w);
    else this.#run(w, next.src, next.args, next.fut);
  }

  // The next queued call still waiting (a cancelled one is dropped).
  #nextJob(): { src: string; args: unknown[]; fut: Future<unknown> } | undefined {
    for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
      if (!next.fut.done()) return next;
    }
    return undefined;
  }

  /** Cancel the queued calls (not started yet) whose future is in `futs`. */
  cancelQueued(futs: ReadonlySet<Future<unknown>>): void {
    for (const job of this.#queue) if (futs.has(job.fut)) job.fut.cancel();
  }

  /** End idle workers now and busy ones when their call returns. */
  close(): void {
    this.#closed = true;
    for (const w of this.#idle.splice(0)) void w.worker.terminate();
  }

  #spawn(): PoolWorker {
    const w = new PoolWorker(this, (dead) => this.#exited(dead));
    this.#all.add(w);
    return w;
  }

  #exited(dead: PoolWorker): void {
    this.#all.delete(dead);
    const i = this.#idle.indexOf(dead);
    if (i >= 0) this.#idle.splice(i, 1);
    // A worker ended by a cancelled call (or a crash) never comes back through
    // release(): its place goes to the next queued call, which would otherwise
    // wait for another call to finish, or forever if none is running.
    const next = this.#closed ? undefined : this.#nextJob();
    if (next !== undefined) this.#run(this.#spawn(), next.src, next.args, next.fut);
  }

  #run(w: PoolWorker, src: string, args: unknown[], fut: Future<unknown>): void {
    const id = ++this.#nextId;
    w.job = { id, fut };
    w.worker.ref();
    // A thread cannot be interrupted, but a worker can be terminated:
    // cancelling the call ends its worker (the pool makes a new one).
    fut._listen({
      _futureDone: () => {
        if (fut.cancelled() && w.job?.id === id) {
          w.job = undefined;
          void w.worker.terminate();
        }
      },
    });
    try {
      w.worker.postMessage({ id, src, args });
    } catch (e) {
      // Arguments that cannot be cloned: the worker is free for the next
      // queued call, which would otherwise wait for another call to finish.
      w.job = undefined;
      w.worker.unref();
      fut.setException(e);
      this.release(w);
    }
  }
}

/** @internal The pool of `toThread` and of executors without a size of their own: one worker per core. */
export const sharedPool = new Pool(Math.max(1, availableParallelism()));
const compiled = new Set<string>();

/** @internal Throw a TypeError (naming `where`) unless `src` compiles as a function expression. */
export function checkSource(src: string, where = 'toThread()'): void {
  if (compiled.has(src)) return;
  try {
    // Compiles without running: a method shorthand or native function fails here.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function(`return (${src});`);
  } catch {
    throw new TypeError(`${where}: fn must be a self-contained function expression or arrow function (not a method or a native function)`);
  }
  if (compiled.size < 1000) compiled.add(src);
}

/**
 * Run `fn(...args)` in a worker thread and wait for its result, as
 * `asyncio.to_thread`. Worker threads share no memory with the caller, so
 * `fn` must be self-contained (no variables from outside its body; `require`
 * and `import()` work) and `args` and the result must be structured-cloneable
 * — the rule `ProcessPoolExecutor` has in Python. Cancelling the caller
 * terminates the worker.
 * @example
 * const digest = await toThread((data: string) => {
 *   const { createHash } = require('node:crypto');
 *   return createHash('sha256').update(data).digest('hex');
 * }, big);
 */
export function toThread<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Promise<Awaited<R>> {
  toFunction('toThread()', 'fn', fn);
  return toThreadWith(fn, args, undefined);
}

/** As {@link toThread}, with options (`signal`). */
export function toThreadWith<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, args: A, options: SignalOptions | undefined): Promise<Awaited<R>> {
  toFunction('toThread()', 'fn', fn);
  if (!Array.isArray(args)) throw new TypeError('toThreadWith(): args must be an array');
  checkOptions('toThreadWith()', options, SIGNAL_ONLY);
  const fut = new Future<Awaited<R>>();
  const src = fn.toString();
  checkSource(src);
  sharedPool.submit(src, args, fut);
  return suspend(fut, options?.signal);
}
