// The current task is found through AsyncLocalStorage. The storage is created
// on first use so that programs that never make a task never pay for it
// (on Node 20 an active AsyncLocalStorage adds a promise hook to every promise).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Task } from './task.js';

let storage: AsyncLocalStorage<Task<unknown> | undefined> | undefined;

/** @internal */
export function current(): Task<unknown> | undefined {
  return storage === undefined ? undefined : storage.getStore();
}

/** @internal */
export function runIn<A>(task: Task<unknown>, fn: (arg: A) => unknown, arg: A): void {
  (storage ??= new AsyncLocalStorage()).run(task, fn, arg);
}

// "Outside any task" is run(undefined), not exit(): on Node 20 exit() disables
// the storage for the call, which removes and reinstalls V8's promise hooks
// each time; run(undefined) only swaps the store of the current resource.

/** @internal `fn(arg)` outside any task, without a closure (for the server's hot path). */
export function callOutside<A>(fn: (arg: A) => void, arg: A): void {
  if (storage === undefined) fn(arg);
  else storage.run(undefined, fn, arg);
}

/** @internal Run `fn` outside any task (for callbacks that must not inherit one). */
export function runOutside<R>(fn: () => R): R {
  return storage === undefined ? fn() : storage.run(undefined, fn);
}

/**
 * @internal Queue `fn` as a microtask that runs outside any task, as asyncio
 * runs done callbacks from the loop: a callback must not inherit (and keep
 * alive through the timers it arms) the task that happened to settle a future.
 */
export function queueOutside(fn: () => void): void {
  if (storage === undefined) queueMicrotask(fn);
  else storage.run(undefined, queueMicrotask, fn);
}
