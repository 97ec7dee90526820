// Debug mode, as asyncio's: slow-step warnings and creation tracebacks. Off by
// default; when off, the only cost is one boolean test at task creation.
import { createHook, type AsyncHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { current } from './context.js';
import type { Task } from './task.js';

let enabled = process.env['AIOTS_DEBUG'] !== undefined && process.env['AIOTS_DEBUG'] !== '' && process.env['AIOTS_DEBUG'] !== '0';
let slowSeconds = 0.1;
let hook: AsyncHook | undefined;
const started: number[] = [];
// The task whose first step ran inside each open callback: that step runs in
// a microtask queued from the creator's context, so `current()` in the after
// hook names the creator, not the task.
const stepTasks: (Task<unknown> | undefined)[] = [];

/** @internal */
export function debugEnabled(): boolean {
  return enabled;
}

/** @internal */
export function slowCallbackDuration(): number {
  return slowSeconds;
}

/** @internal */
export function setSlowCallbackDuration(seconds: number): void {
  slowSeconds = seconds;
}

/** @internal */
export function setDebugEnabled(on: boolean): void {
  enabled = on;
  if (on && hook === undefined) {
    hook = createHook({ before: onBefore, after: onAfter });
    hook.enable();
  } else if (!on && hook !== undefined) {
    hook.disable();
    hook = undefined;
    started.length = 0;
    stepTasks.length = 0;
  }
}

function onBefore(): void {
  started.push(performance.now());
  stepTasks.push(undefined);
}

function onAfter(): void {
  const t0 = started.pop();
  const stepTask = stepTasks.pop();
  if (t0 === undefined) return;
  const elapsed = (performance.now() - t0) / 1000;
  if (elapsed < slowSeconds) return;
  const task = stepTask ?? current();
  // asyncio logs these through its logger, not the exception handler: Node's
  // twin is a process warning (stderr by default; process.on('warning') to
  // route it, --no-warnings to silence it).
  if (task === undefined) {
    warn(`Executing a callback took ${elapsed.toFixed(3)} seconds`, undefined);
  } else {
    const tb = task._sourceTraceback();
    warn(`Executing task ${task.getName()} took ${elapsed.toFixed(3)} seconds`, `task: ${task.getName()}${tb === undefined ? '' : `\ntask created at:\n${tb}`}`);
  }
}

function warn(message: string, detail: string | undefined): void {
  process.emitWarning(message, { type: 'AiotsSlowCallbackWarning', code: 'AIOTS_SLOW_CALLBACK', ...(detail === undefined ? {} : { detail }) });
}

/** @internal The task's first step runs in the callback now open. */
export function noteTaskStep(task: Task<unknown>): void {
  if (stepTasks.length > 0) stepTasks[stepTasks.length - 1] = task;
}

/** @internal Where a task was created, for debug reports. */
export function captureTraceback(): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureTraceback);
  return (holder.stack ?? '').split('\n').slice(2).join('\n');
}

if (enabled) setDebugEnabled(true);
