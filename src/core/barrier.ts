/**
 * `Barrier`, as `asyncio.Barrier`.
 * @module
 */
import { Condition } from './condition.js';
import { BrokenBarrierError } from './errors.js';
import type { SignalOptions } from './sleep.js';
import { checkOptions, SIGNAL_ONLY } from './options.js';
import { toInt } from './validate.js';

type State = 'filling' | 'draining' | 'resetting' | 'broken';

/**
 * Lets `parties` tasks wait until all of them have arrived.
 * @example
 * const b = new Barrier(3);
 * const index = await b.wait(); // 0, 1 or 2
 */
export class Barrier {
  readonly #cond = new Condition();
  readonly #parties: number;
  #state: State = 'filling';
  #count = 0;

  /** A barrier for `parties` tasks (an integer >= 1). */
  constructor(parties: number) {
    this.#parties = toInt('Barrier()', 'parties', parties, 1);
  }

  /** Wait for every party; returns this task's arrival index. */
  async wait(options?: SignalOptions): Promise<number> {
    checkOptions('Barrier.wait()', options, SIGNAL_ONLY);
    await this.#cond.acquire(options);
    try {
      await this.#cond.waitFor(() => this.#state !== 'draining' && this.#state !== 'resetting', options);
      if (this.#isBroken()) throw new BrokenBarrierError('Barrier aborted');
      const index = this.#count++;
      try {
        if (index + 1 === this.#parties) {
          this.#state = 'draining';
          this.#cond.notifyAll();
        } else {
          await this.#cond.waitFor(() => this.#state !== 'filling', options);
          if (this.#isBroken() || this.#state === 'resetting') throw new BrokenBarrierError('Abort or reset of barrier');
        }
        return index;
      } finally {
        this.#count--;
        this.#exit();
      }
    } finally {
      this.#cond.release();
    }
  }

  /** Return to the empty state; tasks waiting now get `BrokenBarrierError`. */
  async reset(): Promise<void> {
    await this.#cond.acquire();
    try {
      this.#state = this.#count > 0 ? 'resetting' : 'filling';
      this.#cond.notifyAll();
    } finally {
      this.#cond.release();
    }
  }

  /** Break the barrier: current and future waiters get `BrokenBarrierError`. */
  async abort(): Promise<void> {
    await this.#cond.acquire();
    try {
      this.#state = 'broken';
      this.#cond.notifyAll();
    } finally {
      this.#cond.release();
    }
  }

  /** How many tasks the barrier waits for. */
  get parties(): number {
    return this.#parties;
  }

  /** How many tasks wait now. */
  get nWaiting(): number {
    return this.#state === 'filling' ? this.#count : 0;
  }

  /** True once aborted. */
  get broken(): boolean {
    return this.#state === 'broken';
  }

  // A method, so that TypeScript does not narrow #state across awaits.
  #isBroken(): boolean {
    return this.#state === 'broken';
  }

  #exit(): void {
    if (this.#count === 0) {
      if (this.#state === 'resetting' || this.#state === 'draining') this.#state = 'filling';
      this.#cond.notifyAll();
    }
  }
}
