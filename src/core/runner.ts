/**
 * `Runner`, as asyncio's (3.11): one loop for several `run()` calls.
 * @module
 */
import { current } from './context.js';
import { debugEnabled, setDebugEnabled } from './debug.js';
import { InvalidStateError, isCancellation } from './errors.js';
import { isThenable, type Future } from './future.js';
import { EventLoop, getRunningLoop, newEventLoop, setEventLoop } from './loop.js';
import { checkOptions, knownOptions } from './options.js';
import { report } from './report.js';
import { Task, allTasks, taskFromPromise } from './task.js';
import { describe } from './validate.js';

const RUNNER_OPTIONS = knownOptions('debug', 'loopFactory');

/** Options of {@link Runner}. */
export interface RunnerOptions {
  /** Debug mode while the runner is open (restored at `close()`). @default unchanged */
  readonly debug?: boolean;
  /** Makes the loop (it is then not made the current loop). @default newEventLoop */
  readonly loopFactory?: () => EventLoop;
}

type State = 'created' | 'initialized' | 'closed';

/**
 * Runs several main functions on one event loop, as `asyncio.Runner`:
 * `run()` as often as needed, then `close()` (or `await using`), which
 * cancels and awaits the tasks left over, shuts the default executor down
 * and closes the loop. `run(main)` is a runner used once.
 * @example
 * await using runner = new Runner();
 * await runner.run(connect);
 * await runner.run(serve);
 */
export class Runner {
  #state: State = 'created';
  #loop: EventLoop | undefined = undefined;
  readonly #debug: boolean | undefined;
  readonly #loopFactory: (() => EventLoop) | undefined;
  #setLoop = false;
  #debugBefore = false;

  constructor(options?: RunnerOptions) {
    checkOptions('Runner()', options, RUNNER_OPTIONS);
    const debug: unknown = options?.debug;
    if (debug !== undefined && typeof debug !== 'boolean') throw new TypeError(`Runner(): debug must be a boolean, got ${describe(debug)}`);
    const factory: unknown = options?.loopFactory;
    if (factory !== undefined && typeof factory !== 'function') throw new TypeError(`Runner(): loopFactory must be a function, got ${describe(factory)}`);
    this.#debug = debug;
    this.#loopFactory = options?.loopFactory;
  }

  /** The runner's loop, made on first use. */
  getLoop(): EventLoop {
    return this.#init();
  }

  /**
   * Run `main` as the main task on the runner's loop and return its value, as
   * `run()` does (SIGINT cancels it, then `KeyboardInterrupt`); tasks it
   * leaves running carry on into the next `run()`.
   */
  async run<T>(main: (() => T | PromiseLike<T>) | PromiseLike<T>): Promise<T> {
    if (typeof main !== 'function' && !isThenable(main)) {
      throw new TypeError(`Runner.run(): main must be an async function or a promise, got ${describe(main)}`);
    }
    if (current() !== undefined || hasRunningLoop()) throw new InvalidStateError('Runner.run() cannot be called from a running event loop');
    const loop = this.#init();
    loop._enter();
    try {
      const task: Task<T> = typeof main === 'function' ? new Task(main, { name: 'main' }) : taskFromPromise(main);
      return await loop._runUntil(task, 'Runner.run()');
    } finally {
      loop._leave();
    }
  }

  /**
   * Cancel and await the tasks left over, shut the default executor down,
   * close the loop. Does nothing before the loop was made or once closed.
   */
  async close(): Promise<void> {
    if (this.#state !== 'initialized') return;
    const loop = this.#loop as EventLoop;
    if (loop.isRunning()) throw new InvalidStateError('Cannot close a running event loop');
    // The loop runs through the shutdown, as asyncio's: leftover tasks'
    // finally blocks see it. Throws (changing nothing) while a loop runs.
    loop._enter();
    this.#state = 'closed';
    this.#loop = undefined;
    try {
      await cancelLeftovers('Runner.close()');
      await loop.shutdownDefaultExecutor();
    } finally {
      loop._leave();
      this.#finish(loop);
    }
  }

  /** `await using runner = new Runner()`: `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * `using runner = new Runner()`: a `close()` that cannot wait. Leftover
   * tasks are cancelled and the loop closed at once; their cleanup runs
   * afterwards, with no loop running. Prefer `await using`.
   */
  [Symbol.dispose](): void {
    if (this.#state !== 'initialized') return;
    const loop = this.#loop as EventLoop;
    if (loop.isRunning()) throw new InvalidStateError('Cannot close a running event loop');
    this.#state = 'closed';
    this.#loop = undefined;
    void cancelLeftovers('Runner[Symbol.dispose]()');
    this.#finish(loop);
  }

  #finish(loop: EventLoop): void {
    if (this.#setLoop) setEventLoop(null);
    loop.close();
    if (this.#debug !== undefined) setDebugEnabled(this.#debugBefore);
  }

  #init(): EventLoop {
    if (this.#state === 'closed') throw new InvalidStateError('Runner is closed');
    if (this.#loop !== undefined) return this.#loop;
    let loop: EventLoop;
    if (this.#loopFactory === undefined) {
      loop = newEventLoop();
      setEventLoop(loop);
      this.#setLoop = true;
    } else {
      const made: unknown = this.#loopFactory();
      if (!(made instanceof EventLoop)) throw new TypeError(`Runner: loopFactory must return an EventLoop, got ${describe(made)}`);
      loop = made;
    }
    if (this.#debug !== undefined) {
      this.#debugBefore = debugEnabled();
      setDebugEnabled(this.#debug);
    }
    this.#loop = loop;
    this.#state = 'initialized';
    return loop;
  }
}

function hasRunningLoop(): boolean {
  try {
    getRunningLoop();
    return true;
  } catch {
    return false;
  }
}

/** @internal Cancel every task left and wait for them; report their errors. */
export async function cancelLeftovers(where: string): Promise<void> {
  const left = [...allTasks()];
  if (left.length === 0) return;
  for (const t of left) t.cancel();
  for (const t of left) {
    try {
      await (t as Future<unknown>);
    } catch (e) {
      if (!isCancellation(e)) report({ message: `unhandled exception during ${where} shutdown`, exception: e, task: t.getName() });
    }
  }
}
