/**
 * `run`, as `asyncio.run`.
 * @module
 */
import { current } from './context.js';
import { debugEnabled, setDebugEnabled } from './debug.js';
import { InvalidStateError } from './errors.js';
import { isThenable } from './future.js';
import { newEventLoop, setEventLoop } from './loop.js';
import { cancelLeftovers } from './runner.js';
import { Task, taskFromPromise } from './task.js';
import { describe } from './validate.js';
import { checkOptions, knownOptions } from './options.js';

const RUN_OPTIONS = knownOptions('debug');

/** Options of {@link run}. */
export interface RunOptions {
  /** Debug mode: slow-step warnings and creation tracebacks. @default false (or AIOTS_DEBUG=1) */
  readonly debug?: boolean;
}

/**
 * Run `main` as the main task and return its value, as `asyncio.run`: a new
 * event loop is set and running, SIGINT cancels the main task (and `run` then
 * throws `KeyboardInterrupt`), `loop.stop()` makes it throw
 * `InvalidStateError` (asyncio's `RuntimeError`), and tasks left over at the
 * end, the main task among them, are cancelled and awaited.
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
  checkOptions('run()', options, RUN_OPTIONS);
  const debug: unknown = options?.debug;
  if (debug !== undefined && typeof debug !== 'boolean') throw new TypeError(`run(): debug must be a boolean, got ${describe(debug)}`);
  const loop = newEventLoop();
  // Throws, before anything starts, when another loop is running.
  loop._enter();
  setEventLoop(loop);
  const debugBefore = debugEnabled();
  if (options?.debug !== undefined) setDebugEnabled(options.debug);
  try {
    // Made after debug mode is set, so that it records where it was created.
    const task: Task<T> = typeof main === 'function' ? new Task(main, { name: 'main' }) : taskFromPromise(main);
    return await loop._runUntil(task, 'run()');
  } finally {
    // The loop runs on through the shutdown, as asyncio's: leftover tasks'
    // finally blocks still see it as the running loop.
    try {
      await cancelLeftovers('run()');
      await loop.shutdownDefaultExecutor();
    } finally {
      loop._leave();
    }
    loop.close();
    setEventLoop(null);
    setDebugEnabled(debugBefore);
  }
}
