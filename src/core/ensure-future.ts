/**
 * `ensureFuture` and the `Awaitable` type: what the functions that wait on
 * results (`gather`, `wait`, `waitFor`, ...) accept.
 * @module
 */
import { Future, isThenable } from './future.js';
import { Task, taskFromPromise } from './task.js';
import { describe } from './validate.js';

/**
 * Something aiots can wait on: a `Task` or `Future` (cancellable), a function
 * returning a promise (run as a new task, so cancellable), or a bare promise
 * (already running: cancelling only abandons it).
 */
export type Awaitable<T> = Future<T> | PromiseLike<T> | (() => T | PromiseLike<T>);

/**
 * A `Future` for `aw`, as `asyncio.ensure_future`: futures and tasks as they
 * are, functions run as new tasks, promises wrapped in a task.
 * @example
 * const t = ensureFuture(() => sleep(1, 'x'));
 */
export function ensureFuture<T>(aw: Awaitable<T>, where = 'ensureFuture()'): Future<T> {
  if (aw instanceof Future) return aw;
  if (typeof aw === 'function') return new Task(aw);
  if (isThenable(aw)) return taskFromPromise(aw);
  throw new TypeError(`${where}: expected a Task, Future, promise or function returning a promise, got ${describe(aw)}`);
}
