/**
 * `Signal`: a list of async callbacks run in order, as aiohttp's
 * `on_startup`/`on_shutdown`/`on_cleanup`. Frozen once the app starts.
 * @module
 */
import { InvalidStateError } from '../core/errors.js';
import { describe } from '../core/validate.js';

/**
 * A list of callbacks taking `arg`.
 * @example
 * app.onStartup.push(async (app) => { app.set(dbKey, await connect()); });
 */
export class Signal<A> {
  readonly #name: string;
  readonly #list: ((arg: A) => unknown)[] = [];
  #frozen = false;

  /** @internal */
  constructor(name: string) {
    this.#name = name;
  }

  /** Add callbacks at the end (the list's `append`). */
  push(...callbacks: ((arg: A) => unknown)[]): number {
    if (this.#frozen) throw new InvalidStateError(`${this.#name}.push(): cannot change the signal once the app has started`);
    for (const cb of callbacks) if (typeof cb !== 'function') throw new TypeError(`${this.#name}.push(): callback must be a function, got ${describe(cb)}`);
    return this.#list.push(...callbacks);
  }

  /** Same as `push(callback)`, with aiohttp's name. */
  append(callback: (arg: A) => unknown): void {
    this.push(callback);
  }

  /** How many callbacks. */
  get length(): number {
    return this.#list.length;
  }

  /** True once frozen. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** @internal */
  _freeze(): void {
    this.#frozen = true;
  }

  /** Call every callback in order, awaiting each. */
  async send(arg: A): Promise<void> {
    for (const cb of this.#list) await cb(arg);
  }

  [Symbol.iterator](): Iterator<(arg: A) => unknown> {
    return this.#list[Symbol.iterator]();
  }
}
