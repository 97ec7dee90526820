import { inspect } from 'node:util';

// Where the core reports errors that have no caller to go to (a failed task
// nobody awaited, a callback that threw). EventLoop.setExceptionHandler
// replaces the sink of one loop, as asyncio's loop exception handler does.

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

// Each loop has its own handler (as in asyncio). Code that reports without
// knowing its loop (a task collected with an error, a server callback) goes
// to the loop running now, else the current one; loop.ts tells which.
let ambient: () => ExceptionHandler | null = () => null;

/** @internal Where {@link report} finds the handler of the loop in charge. */
export function setAmbientHandler(lookup: () => ExceptionHandler | null): void {
  ambient = lookup;
}

/** @internal Report to the running (else current) loop's handler. */
export function report(context: ExceptionContext): void {
  reportTo(ambient(), context);
}

/** @internal Report to `handler` (null: the default handler). */
export function reportTo(handler: ExceptionHandler | null, context: ExceptionContext): void {
  try {
    (handler ?? defaultExceptionHandler)(context);
  } catch (e) {
    // A broken handler must not take the process down with it.
    defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception: e });
    defaultExceptionHandler(context);
  }
}
