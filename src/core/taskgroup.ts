/**
 * `TaskGroup`, with asyncio 3.11+ semantics (structured concurrency).
 * @module
 */
import { current } from './context.js';
import { InvalidStateError, isCancellation } from './errors.js';
import { Future } from './future.js';
import { report } from './report.js';
import { Task, type TaskOptions } from './task.js';
import { toFunction } from './validate.js';

/**
 * A group of tasks that live and die together, as `asyncio.TaskGroup`: the
 * first child that fails cancels the others and the body; the group waits
 * for every child, then throws an `AggregateError` of the failures (always an
 * `AggregateError`, even for one failure, as asyncio's ExceptionGroup).
 *
 * With `await using tg = new TaskGroup()` the group cannot see an error
 * thrown by the block itself, so such an error does not cancel the children
 * (they are still awaited); `TaskGroup.run` has no such gap. A cancellation
 * of the parent task is seen, though: if one is still pending when the block
 * ends (`cancelling()` above its level when the group was made), the
 * children are cancelled before they are awaited.
 * @example
 * const [a, b] = await TaskGroup.run(async (tg) => {
 *   const a = tg.createTask(() => get('/a'));
 *   const b = tg.createTask(() => get('/b'));
 *   return [a, b];
 * }).then(([a, b]) => [a.result(), b.result()]);
 */
export class TaskGroup implements AsyncDisposable {
  #exiting = false;
  #aborting = false;
  readonly #parent: Task<unknown>;
  readonly #parentCancelling: number;
  #parentCancelRequested = false;
  readonly #tasks = new Set<Task<unknown>>();
  readonly #errors: unknown[] = [];
  #onCompleted: Future<void> | undefined = undefined;

  /**
   * Enter a group in the current task. Outside a task, use
   * {@link TaskGroup.run}, which makes one.
   */
  constructor() {
    const parent = current();
    if (parent === undefined) throw new InvalidStateError('TaskGroup must be created inside a task; use TaskGroup.run(), which makes one');
    this.#parent = parent;
    this.#parentCancelling = parent.cancelling();
  }

  /**
   * Run `body` with a new group and wait for all its tasks; returns the body's
   * value. Throws `AggregateError` if any child (or the body) failed.
   */
  static async run<R>(body: (tg: TaskGroup) => R | PromiseLike<R>): Promise<R> {
    toFunction('TaskGroup.run()', 'body', body);
    if (current() === undefined) return new Task(() => TaskGroup.run(body));
    const tg = new TaskGroup();
    let result: R;
    try {
      result = await body(tg);
    } catch (e) {
      await tg.#exit(true, e);
      throw e;
    }
    await tg.#exit(false, undefined);
    return result;
  }

  /** Start `fn` as a task of this group. */
  createTask<T>(fn: () => T | PromiseLike<T>, options?: TaskOptions): Task<T> {
    toFunction('TaskGroup.createTask()', 'fn', fn);
    if (this.#exiting && this.#tasks.size === 0) throw new InvalidStateError('TaskGroup is finished');
    if (this.#aborting) throw new InvalidStateError('TaskGroup is shutting down');
    const task = new Task(fn, options);
    this.#tasks.add(task);
    task._listen(this);
    return task;
  }

  /** Wait for every task (the end of `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    // The disposer cannot see what the block threw, but it can see that the
    // parent was cancelled from outside: the block most likely ended with that
    // CancelledError, and asyncio would cancel the children. The error itself
    // is the block's to throw (throwing it again here would wrap it in a
    // SuppressedError), so only the children are cancelled.
    if (!this.#exiting && !this.#aborting && this.#parent.cancelling() > this.#parentCancelling) this.#abort();
    await this.#exit(false, undefined);
  }

  /** @internal */
  _futureDone(fut: Future<unknown>): void {
    const task = fut as Task<unknown>;
    this.#tasks.delete(task);
    const oc = this.#onCompleted;
    if (oc !== undefined && this.#tasks.size === 0 && !oc.done()) oc.setResult();
    if (task.cancelled()) return;
    const e = task.exception();
    if (e === null) return;
    this.#errors.push(e);
    if (this.#parent.done()) {
      // Nobody will exit the group to throw this error: do not lose it.
      report({
        message: `Task ${task.getName()} has errored out but its parent task ${this.#parent.getName()} is already done`,
        exception: e,
        task: task.getName(),
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      // Cancel the body too; #exit takes the cancellation back afterwards.
      this.#abort();
      this.#parentCancelRequested = true;
      this.#parent.cancel();
    }
  }

  #abort(): void {
    this.#aborting = true;
    for (const t of this.#tasks) if (!t.done()) t.cancel();
  }

  async #exit(threw: boolean, error: unknown): Promise<void> {
    if (this.#exiting) throw new InvalidStateError('TaskGroup has already exited');
    this.#exiting = true;
    let propagateCancel: unknown = threw && isCancellation(error) ? error : undefined;
    if (threw && !this.#aborting) this.#abort();
    while (this.#tasks.size > 0) {
      this.#onCompleted ??= new Future<void>();
      try {
        await this.#onCompleted;
      } catch (e) {
        // The parent was cancelled from outside while we waited.
        if (!this.#aborting) {
          propagateCancel = e;
          this.#abort();
        }
      }
      this.#onCompleted = undefined;
    }
    if (this.#parentCancelRequested && this.#parent.uncancel() === 0) propagateCancel = undefined;
    if (propagateCancel !== undefined && this.#errors.length === 0) throw propagateCancel;
    if (threw && !isCancellation(error)) this.#errors.push(error);
    if (this.#errors.length > 0) {
      // Keep an outside cancellation counted once while we raise our errors.
      if (this.#parent.cancelling() > 0) {
        this.#parent.uncancel();
        this.#parent.cancel();
      }
      const errors = this.#errors.splice(0);
      throw new AggregateError(errors, `unhandled errors in a TaskGroup (${errors.length} sub-exception${errors.length === 1 ? '' : 's'})`);
    }
  }
}
