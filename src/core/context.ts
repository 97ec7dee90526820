// The current task is found through AsyncLocalStorage. The storage is created
// on first use so that programs that never make a task never pay for it
// (on Node 20 an active AsyncLocalStorage adds a promise hook to every promise).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Task } from './task.js';

let storage: AsyncLocalStorage<Task<unknown>> | undefined;

/** @internal */
export function current(): Task<unknown> | undefined {
  return storage === undefined ? undefined : storage.getStore();
}

/** @internal */
export function runIn<A>(task: Task<unknown>, fn: (arg: A) => unknown, arg: A): void {
  (storage ??= new AsyncLocalStorage()).run(task, fn, arg);
}

/** @internal Run `fn` outside any task (for callbacks that must not inherit one). */
export function runOutside<R>(fn: () => R): R {
  return storage === undefined ? fn() : storage.exit(fn);
}
