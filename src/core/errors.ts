/**
 * Error classes of the aiots core, named as in asyncio. Each has a stable
 * `code` so that callers can branch on it without `instanceof` across
 * package copies.
 * @module
 */

const kCancelled = Symbol.for('aiots.CancelledError');

/** Options accepted by every aiots error constructor. */
export interface AiotsErrorOptions {
  /** The error that caused this one. */
  readonly cause?: unknown;
}

/** Base class of the aiots core errors. */
export class AiotsError extends Error {
  /** A stable machine-readable code, e.g. `AIOTS_ERR_INVALID_STATE`. */
  readonly code: string = 'AIOTS_ERR';
  constructor(message?: string, options?: AiotsErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown into a task when it is cancelled, like `asyncio.CancelledError`.
 * Code that catches every error must rethrow it (see {@link isCancellation}),
 * or the task stops being cancelled.
 * @example
 * try { await work(); } catch (e) { if (isCancellation(e)) throw e; log(e); }
 */
export class CancelledError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_CANCELLED';
  /** @internal */
  readonly [kCancelled] = true;
}

/**
 * Raised by every aiots timeout (`waitFor`, `timeout`, `wait`, client and
 * server timeouts), like asyncio's `TimeoutError`.
 */
export class TimeoutError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_TIMEOUT';
}

/** An operation is not allowed in the object's current state (asyncio's `InvalidStateError` and `RuntimeError`). */
export class InvalidStateError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_INVALID_STATE';
}

/** `StreamReader.readexactly`/`readuntil` hit EOF first; `partial` holds what was read. */
export class IncompleteReadError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_INCOMPLETE_READ';
  /** The bytes read before EOF. */
  readonly partial: Buffer;
  /** How many bytes were expected, or `null` when reading up to a separator. */
  readonly expected: number | null;
  constructor(partial: Buffer, expected: number | null, options?: AiotsErrorOptions) {
    super(`${partial.length} bytes read on a total of ${expected === null ? 'undefined' : expected} expected bytes`, options);
    this.partial = partial;
    this.expected = expected;
  }
}

/** A separator was not found within the reader's limit; `consumed` bytes are still buffered. */
export class LimitOverrunError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_LIMIT_OVERRUN';
  /** How many bytes must be consumed to move past the overrun. */
  readonly consumed: number;
  constructor(message: string, consumed: number, options?: AiotsErrorOptions) {
    super(message, options);
    this.consumed = consumed;
  }
}

/** `Queue.getNowait()` on an empty queue. */
export class QueueEmpty extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_QUEUE_EMPTY';
}

/** `Queue.putNowait()` on a full queue. */
export class QueueFull extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_QUEUE_FULL';
}

/** A put or get on a queue that was shut down. */
export class QueueShutDown extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_QUEUE_SHUTDOWN';
}

/** A `Barrier` was aborted or reset while a task waited on it. */
export class BrokenBarrierError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_BROKEN_BARRIER';
}

/** `run()` ended because of SIGINT (asyncio raises `KeyboardInterrupt`). */
export class KeyboardInterrupt extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_KEYBOARD_INTERRUPT';
}

/**
 * A program (or the working directory) to run does not exist, as Python's
 * `FileNotFoundError` from `create_subprocess_exec`. `filename` names it;
 * `cause` is Node's error (`code: 'ENOENT'`).
 */
export class FileNotFoundError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_FILE_NOT_FOUND';
  /** The path that was not found. */
  readonly filename: string;
  constructor(message: string, filename: string, options?: AiotsErrorOptions) {
    super(message, options);
    this.filename = filename;
  }
}

/** A signal sent to a process that has already exited, as Python's `ProcessLookupError`. */
export class ProcessLookupError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_PROCESS_LOOKUP';
}

/**
 * True when `e` is a cancellation: an aiots `CancelledError`, from any copy
 * of the package. Use it in `catch` blocks that must let cancellation through.
 * @example
 * catch (e) { if (isCancellation(e)) throw e; }
 */
export function isCancellation(e: unknown): e is CancelledError {
  return typeof e === 'object' && e !== null && (e as { [kCancelled]?: boolean })[kCancelled] === true;
}
