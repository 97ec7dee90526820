/**
 * `run`, as `asyncio.run`.
 * @module
 */
import { current } from './context.js';
import { debugEnabled, setDebugEnabled } from './debug.js';
import { InvalidStateError, KeyboardInterrupt, isCancellation } from './errors.js';
import { Future, isThenable } from './future.js';
import { newEventLoop, setEventLoop } from './loop.js';
import { report } from './report.js';
import { Task, allTasks, taskFromPromise } from './task.js';
import { describe } from './validate.js';

/** Options of {@link run}. */
export interface RunOptions {
  /** Debug mode: slow-step warnings and creation tracebacks. @default false (or AIOTS_DEBUG=1) */
  readonly debug?: boolean;
}

/**
 * Run `main` as the main task and return its value, as `asyncio.run`: a new
 * event loop is set, SIGINT cancels the main task (and `run` then throws
 * `KeyboardInterrupt`), and tasks left over at the end are cancelled and
 * awaited.
 * @example
 * await run(async () => {
 *   await sleep(1);
 *   return 'done';
 * });
 */
export async function run<T>(main: (() => T | PromiseLike<T>) | PromiseLike<T>, options?: RunOptions): Promise<T> {
  if (current() !== undefined) throw new InvalidStateError('run() cannot be called from inside a task');
  let task: Task<T>;
  if (typeof main === 'function') task = new Task(main, { name: 'main' });
  else if (isThenable(main)) task = taskFromPromise(main);
  else throw new TypeError(`run(): main must be an async function or a promise, got ${describe(main)}`);

  const loop = newEventLoop();
  setEventLoop(loop);
  const debugBefore = debugEnabled();
  if (options?.debug !== undefined) setDebugEnabled(options.debug);

  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    process.off('SIGINT', onSigint);
    task.cancel('interrupted (SIGINT)');
  };
  // Like asyncio, only take SIGINT over when nobody else handles it.
  const ownSigint = process.listenerCount('SIGINT') === 0;
  if (ownSigint) process.on('SIGINT', onSigint);
  try {
    return await task;
  } catch (e) {
    if (interrupted && isCancellation(e)) {
      process.exitCode ??= 130;
      throw new KeyboardInterrupt('interrupted by SIGINT', { cause: e });
    }
    throw e;
  } finally {
    if (ownSigint) process.off('SIGINT', onSigint);
    await cancelLeftovers();
    loop.close();
    setEventLoop(null);
    setDebugEnabled(debugBefore);
  }
}

async function cancelLeftovers(): Promise<void> {
  const left = [...allTasks()];
  if (left.length === 0) return;
  for (const t of left) t.cancel();
  for (const t of left) {
    try {
      await (t as Future<unknown>);
    } catch (e) {
      if (!isCancellation(e)) report({ message: 'unhandled exception during run() shutdown', exception: e, task: t.getName() });
    }
  }
}
