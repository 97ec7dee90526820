import { inspect } from 'node:util';

// Where the core reports errors that have no caller to go to (a failed task
// nobody awaited, a callback that threw). EventLoop.setExceptionHandler
// replaces the sink, as asyncio's loop exception handler does.

/** What an exception handler receives, as asyncio's context dict. */
export interface ExceptionContext {
  /** A human-readable description of what went wrong. */
  readonly message: string;
  /** The error, when there is one. */
  readonly exception?: unknown;
  /** The name of the task involved, when there is one. */
  readonly task?: string;
  /** Where the task was created (debug mode only). */
  readonly sourceTraceback?: string;
}

/** A function that receives reports of errors nobody else could handle. */
export type ExceptionHandler = (context: ExceptionContext) => void;

/** The default handler: one line on stderr with the message and the stack. */
export function defaultExceptionHandler(context: ExceptionContext): void {
  const parts = [context.message];
  if (context.task !== undefined) parts.push(`task: ${context.task}`);
  if (context.sourceTraceback !== undefined) parts.push(`task created at:\n${context.sourceTraceback}`);
  const e = context.exception;
  if (e !== undefined) parts.push(e instanceof Error ? (e.stack ?? e.message) : inspect(e));
  console.error(parts.join('\n'));
}

let handler: ExceptionHandler | null = null;

/** @internal */
export function setHandler(h: ExceptionHandler | null): void {
  handler = h;
}

/** @internal */
export function getHandler(): ExceptionHandler | null {
  return handler;
}

/** @internal */
export function report(context: ExceptionContext): void {
  try {
    (handler ?? defaultExceptionHandler)(context);
  } catch (e) {
    // A broken handler must not take the process down with it.
    defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception: e });
    defaultExceptionHandler(context);
  }
}
