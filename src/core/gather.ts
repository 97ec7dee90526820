/**
 * `gather`, as `asyncio.gather`.
 * @module
 */
import { CancelledError } from './errors.js';
import { ensureFuture, type Awaitable } from './ensure-future.js';
import { Future, isThenable, type FutureListener } from './future.js';
import type { SignalOptions } from './sleep.js';
import { cancelOnAbort } from './suspend.js';
import { toSignal } from './validate.js';
import { checkOptions, knownOptions } from './options.js';

const GATHER_OPTIONS = knownOptions('returnExceptions', 'signal');

/** Options of {@link gather}. */
export interface GatherOptions extends SignalOptions {
  /** Put errors in the results instead of failing on the first one. @default false */
  readonly returnExceptions?: boolean;
}

/** The result types of a tuple of awaitables. */
export type AwaitedAll<A extends readonly unknown[]> = { -readonly [K in keyof A]: A[K] extends Awaitable<infer R> ? Awaited<R> : never };

class GatheringFuture<T> extends Future<T[]> implements FutureListener {
  readonly #children: Future<T>[];
  readonly #returnExceptions: boolean;
  #finished = 0;
  #unique = 0;
  #cancelRequested = false;
  #cancelMessage: string | undefined = undefined;

  constructor(children: Future<T>[], returnExceptions: boolean) {
    super();
    this.#children = children;
    this.#returnExceptions = returnExceptions;
    const seen = new Set<Future<T>>();
    for (const c of children) {
      if (seen.has(c)) continue;
      seen.add(c);
      if (c.done()) queueMicrotask(() => this._futureDone(c));
      else c._listen(this);
    }
    this.#unique = seen.size;
  }

  /** Cancelling the gather cancels every child that is still running. */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let ret = false;
    for (const c of this.#children) if (c.cancel(msg)) ret = true;
    if (ret) {
      this.#cancelRequested = true;
      this.#cancelMessage = msg;
    }
    return ret;
  }

  _futureDone(child: Future<unknown>): void {
    this.#finished++;
    if (this.done()) {
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!this.#returnExceptions) {
      if (child.cancelled()) {
        this.setException(child._cancelError() ?? new CancelledError());
        return;
      }
      const e = child.exception();
      if (e !== null) {
        this.setException(e);
        return;
      }
    }
    if (this.#finished < this.#unique) return;
    const results: T[] = [];
    for (const c of this.#children) {
      if (c.cancelled()) results.push((c._cancelError() ?? new CancelledError()) as T);
      else {
        const e = c.exception();
        results.push(e !== null ? (e as T) : c.result());
      }
    }
    // The cancellation wins over returnExceptions, with the message it was given.
    if (this.#cancelRequested) this.setException(new CancelledError(this.#cancelMessage));
    else this.setResult(results);
  }
}

function isOptions(x: unknown): x is GatherOptions {
  return typeof x === 'object' && x !== null && !isThenable(x) && !(x instanceof Future);
}

/**
 * Run awaitables concurrently and collect their results in order, as
 * `asyncio.gather`. The first error rejects the gather (the others keep
 * running) unless `returnExceptions` is set; cancelling the gather, or the
 * task awaiting it, cancels every child.
 * @example
 * const [a, b] = await gather(() => fetchA(), () => fetchB());
 * const all = await gather(...urls.map((u) => () => get(u)), { returnExceptions: true });
 */
export function gather<A extends readonly Awaitable<unknown>[]>(...aws: A): Future<AwaitedAll<A>>;
export function gather<A extends readonly Awaitable<unknown>[]>(...args: [...A, GatherOptions]): Future<{ -readonly [K in keyof A]: AwaitedAll<A>[K] | Error }>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let returnExceptions = false;
  let signal: AbortSignal | undefined;
  if (args.length > 0 && isOptions(args[args.length - 1])) {
    const opts = args.pop() as GatherOptions;
    checkOptions('gather()', opts, GATHER_OPTIONS);
    returnExceptions = opts.returnExceptions === true;
    signal = toSignal('gather()', opts.signal);
  }
  if (args.length === 0) {
    const f = new Future<unknown[]>();
    f.setResult([]);
    return f;
  }
  const children = args.map((a, i) => ensureFuture(a as Awaitable<unknown>, `gather(): argument ${i}`));
  const g = new GatheringFuture(children, returnExceptions);
  // Aborting works as g.cancel(): the children are cancelled.
  if (signal !== undefined) cancelOnAbort(g, signal);
  return g;
}
