// Which task is running. A task's context is set while its steps run and
// follows its promises: a promise created while a task runs carries the task,
// and the reaction (a `then` callback, the code after an `await`) runs as that
// task again. Callbacks from timers, sockets and emitters run outside any
// task, as asyncio runs loop callbacks with no current task.
//
// The carrying is done with V8's promise hooks rather than AsyncLocalStorage:
// on Node 20 an enabled AsyncLocalStorage runs a JavaScript hook for every
// async resource Node creates (each socket write, each nextTick, each timer),
// which measured +20,000 instructions per HTTP request (about +30% CPU on a
// small request); promise hooks cost nothing measurable there, and the same
// as AsyncLocalStorage on Node 24. The hooks are installed on first use, so a
// program that never makes a task never pays for them.
import { promiseHooks } from 'node:v8';
import type { Task } from './task.js';

type Ctx = Task<unknown> | undefined;
type Carrier = Promise<unknown> & { [TASK]?: Ctx };

const TASK = Symbol('aiots.task');
let cur: Ctx = undefined;
/**
 * @internal Counts promise jobs: two `then()` calls made with the same value
 * were made in one synchronous stretch (one `Promise.race`/`all`, or one
 * step of a task body), which is how a task tells what it waits on now from
 * what it waited on before (see `Task._waitThen`).
 */
export let jobSeq = 0;
let installed = false;
// Promise jobs do not nest, but the hooks may be installed inside one, so its
// `after` can come without a `before`: a stack that pops to undefined copes.
const saved: Ctx[] = [];

function onInit(promise: Carrier): void {
  if (cur !== undefined) promise[TASK] = cur;
}

function onBefore(promise: Carrier): void {
  jobSeq++;
  saved.push(cur);
  cur = promise[TASK];
}

function onAfter(): void {
  cur = saved.pop();
}

function install(): void {
  installed = true;
  promiseHooks.createHook({ init: onInit, before: onBefore, after: onAfter });
}

/** @internal The running task, if any. */
export function current(): Ctx {
  return cur;
}

/** @internal `fn(arg)` as `task`: promises it creates carry the task. */
export function runIn<A, R>(task: Task<unknown>, fn: (arg: A) => R, arg: A): R {
  if (!installed) install();
  const prev = cur;
  cur = task;
  try {
    return fn(arg);
  } finally {
    cur = prev;
  }
}

/**
 * @internal The running task, and from here to the end of this promise job
 * none: the reaction that settles a task (see task.ts) is found through the
 * task its promise carries, then settles it, and runs whatever that triggers
 * (a server writing its response), outside it. The hooks' `after` restores
 * the saved context when the job ends.
 */
export function leave(): Ctx {
  const task = cur;
  cur = undefined;
  return task;
}
