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
  if (typeof main !== 'function' && !isThenable(main)) {
    throw new TypeError(`run(): main must be an async function or a promise, got ${describe(main)}`);
  }
  const debug: unknown = options?.debug;
  if (debug !== undefined && typeof debug !== 'boolean') throw new TypeError(`run(): debug must be a boolean, got ${describe(debug)}`);
  const loop = newEventLoop();
  setEventLoop(loop);
  const debugBefore = debugEnabled();
  if (options?.debug !== undefined) setDebugEnabled(options.debug);
  // Made after debug mode is set, so that it records where it was created.
  const task: Task<T> = typeof main === 'function' ? new Task(main, { name: 'main' }) : taskFromPromise(main);

  let interrupted = false;
  const onSigint = (): void => {
    // A SIGINT handler added since (loop.addSignalHandler in main) replaces
    // ours, as a handler set with signal.signal() replaces asyncio's.
    if (process.listenerCount('SIGINT') > 1) return;
    interrupted = true;
    process.off('SIGINT', onSigint);
    task.cancel('interrupted (SIGINT)');
  };
  // Like asyncio, only take SIGINT over when nobody else handles it.
  const ownSigint = process.listenerCount('SIGINT') === 0;
  if (ownSigint) process.on('SIGINT', onSigint);
  // asyncio.run blocks until main is done; Node would exit (with an unsettled
  // top-level await) as soon as main waits on nothing but a signal handler.
  const keepAlive = setInterval(noop, 0x7fffffff);
  try {
    return await task;
  } catch (e) {
    if (interrupted && isCancellation(e)) {
      const ki = new KeyboardInterrupt('interrupted by SIGINT', { cause: e });
      exitCode130IfUncaught(ki);
      throw ki;
    }
    throw e;
  } finally {
    clearInterval(keepAlive);
    if (ownSigint) process.off('SIGINT', onSigint);
    await cancelLeftovers();
    loop.close();
    setEventLoop(null);
    setDebugEnabled(debugBefore);
  }
}

// As Python, an uncaught KeyboardInterrupt ends the process with 130 (128 +
// SIGINT). An uncaught error makes Node exit with 1, so the code is changed on
// the way out; a caller that catches the interrupt keeps its own exit code.
function exitCode130IfUncaught(ki: KeyboardInterrupt): void {
  const monitor = (err: unknown): void => {
    if (err !== ki) return;
    process.off('uncaughtExceptionMonitor', monitor);
    process.once('exit', () => {
      process.exitCode = 130;
    });
  };
  process.on('uncaughtExceptionMonitor', monitor);
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

function noop(): void {}
