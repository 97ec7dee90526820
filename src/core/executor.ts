/**
 * Executors, as `concurrent.futures`' for `loop.runInExecutor`: an `Executor`
 * is anything with `submit` and `shutdown`; `ThreadPoolExecutor` runs calls
 * in worker threads (the pool `toThread` uses, or one of its own).
 * @module
 */
import { timerMs } from './clock.js';
import { InvalidStateError } from './errors.js';
import { Future } from './future.js';
import { checkOptions, knownOptions } from './options.js';
import { suspend } from './suspend.js';
import { Pool, checkSource, sharedPool } from './to-thread.js';
import { describe, toFunction } from './validate.js';

const SHUTDOWN_OPTIONS = knownOptions('wait', 'cancelFutures');

/** Options of {@link Executor.shutdown}. */
export interface ExecutorShutdownOptions {
  /** Resolve once the calls already submitted are done. @default true */
  readonly wait?: boolean;
  /** Cancel the calls not started yet. @default false */
  readonly cancelFutures?: boolean;
}

/**
 * What `loop.runInExecutor` and `loop.setDefaultExecutor` take, as
 * `concurrent.futures.Executor`: `submit` starts `fn(...args)` and returns a
 * `Future` of its result (cancelling it cancels the call), `shutdown` stops
 * taking calls.
 */
export interface Executor {
  /** Start `fn(...args)`; the Future settles with its outcome. */
  submit<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Future<Awaited<R>>;
  /** Refuse further calls; see {@link ExecutorShutdownOptions}. */
  shutdown(options?: ExecutorShutdownOptions): Promise<void>;
}

/** @internal True if `x` looks like an {@link Executor}. */
export function isExecutor(x: unknown): x is Executor {
  return typeof x === 'object' && x !== null && typeof (x as Partial<Executor>).submit === 'function' && typeof (x as Partial<Executor>).shutdown === 'function';
}

/**
 * Runs calls in worker threads, as `concurrent.futures.ThreadPoolExecutor`,
 * with `toThread`'s rules: `fn` is self-contained, arguments and result are
 * structured-cloned, cancelling a call terminates its worker. Without
 * `maxWorkers` it shares `toThread`'s pool (one worker per core); with it, it
 * has a pool of its own, ended by `shutdown()`.
 * @example
 * await using pool = new ThreadPoolExecutor(2);
 * const n = await getRunningLoop().runInExecutor(pool, (x: number) => x * 2, 21);
 */
export class ThreadPoolExecutor implements Executor {
  readonly #pool: Pool;
  readonly #own: boolean;
  readonly #pending = new Set<Future<unknown>>();
  #shutdown = false;

  /** `maxWorkers`: a pool of its own with at most that many threads. */
  constructor(maxWorkers?: number) {
    if (maxWorkers === undefined) {
      this.#pool = sharedPool;
      this.#own = false;
    } else {
      if (typeof maxWorkers !== 'number' || !Number.isInteger(maxWorkers) || maxWorkers <= 0) {
        throw new RangeError(`ThreadPoolExecutor(): maxWorkers must be a positive integer, got ${describe(maxWorkers)}`);
      }
      this.#pool = new Pool(maxWorkers);
      this.#own = true;
    }
  }

  /** Start `fn(...args)` in a worker thread. */
  submit<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>, ...args: A): Future<Awaited<R>> {
    toFunction('ThreadPoolExecutor.submit()', 'fn', fn);
    if (this.#shutdown) throw new InvalidStateError('ThreadPoolExecutor.submit(): cannot schedule new calls after shutdown');
    const src = fn.toString();
    checkSource(src, 'ThreadPoolExecutor.submit()');
    const fut = new Future<Awaited<R>>();
    const pending = fut as Future<unknown>;
    this.#pending.add(pending);
    fut._listen({ _futureDone: () => this.#pending.delete(pending) });
    this.#pool.submit(src, args, pending);
    return fut;
  }

  /**
   * Refuse further calls. `cancelFutures` cancels those not started yet;
   * `wait` (the default) resolves once the others are done. A pool of its own
   * ends its threads as they finish.
   */
  async shutdown(options?: ExecutorShutdownOptions): Promise<void> {
    checkOptions('ThreadPoolExecutor.shutdown()', options, SHUTDOWN_OPTIONS);
    const wait = options?.wait ?? true;
    this.#shutdown = true;
    if (options?.cancelFutures === true) this.#pool.cancelQueued(this.#pending);
    if (this.#own) this.#pool.close();
    if (!wait) return;
    // Listen rather than await: the outcomes are the submitters' to retrieve
    // (awaiting would mark a failure retrieved and silence its report).
    await Promise.all([...this.#pending].map((f) => new Promise<void>((resolve) => f._listen({ _futureDone: () => resolve() }))));
  }

  /** `await using`: `shutdown()` and wait. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}

/**
 * @internal Shut `ex` down and wait up to `timeout` seconds (null: no limit)
 * for its calls, as asyncio's `shutdown_default_executor`: past the limit, a
 * warning, and the executor is left to end its calls on its own.
 */
export async function shutdownWithin(ex: Executor, timeout: number | null): Promise<void> {
  const done = new Future<void>();
  ex.shutdown({ wait: true }).then(
    () => {
      if (!done.done()) done.setResult();
    },
    (e: unknown) => {
      if (!done.done()) done.setException(e);
    },
  );
  const timer = timeout === null ? undefined : setTimeout(() => {
    if (done.done()) return;
    process.emitWarning(`The executor did not finish its calls within ${timeout} seconds`, { type: 'RuntimeWarning', code: 'AIOTS_EXECUTOR_SHUTDOWN_TIMEOUT' });
    done.setResult();
  }, timerMs(timeout));
  try {
    await suspend(done, undefined);
  } finally {
    clearTimeout(timer);
  }
}
