// The connector's cap on connections in use: `limit` in total and
// `limitPerHost` per origin, FIFO as aiohttp's connector. Requests past the
// cap wait here, so the time spent waiting is known apart from connect time.

/** @internal A request waiting in line for a connection slot. */
export interface SlotWaiter {
  readonly _slotKey: string;
  /** Called with the slot taken for it; false if it no longer wants it (the slot is given back). */
  _slotGranted(): boolean;
}

/** @internal */
export class Slots {
  readonly #limit: number;
  readonly #perHost: number;
  #active = 0;
  readonly #hosts = new Map<string, number>();
  readonly #waiters: SlotWaiter[] = [];

  constructor(limit: number, perHost: number) {
    this.#limit = limit === 0 ? Infinity : limit;
    this.#perHost = perHost === 0 ? Infinity : perHost;
  }

  /** Connections in use. */
  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a slot (some may have given up already). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Take a slot now if one is free and nobody waits ahead. */
  tryAcquire(key: string): boolean {
    if (this.#waiters.length !== 0 || !this.#fits(key)) return false;
    this.#take(key);
    return true;
  }

  /** Wait in line; `waiter._slotGranted()` is called when a slot is taken for it. */
  enqueue(waiter: SlotWaiter): void {
    this.#waiters.push(waiter);
  }

  release(key: string): void {
    this.#active--;
    if (this.#perHost !== Infinity) {
      const n = (this.#hosts.get(key) ?? 1) - 1;
      if (n === 0) this.#hosts.delete(key);
      else this.#hosts.set(key, n);
    }
    if (this.#waiters.length !== 0) this.#wake();
  }

  #fits(key: string): boolean {
    return this.#active < this.#limit && (this.#perHost === Infinity || (this.#hosts.get(key) ?? 0) < this.#perHost);
  }

  #take(key: string): void {
    this.#active++;
    if (this.#perHost !== Infinity) this.#hosts.set(key, (this.#hosts.get(key) ?? 0) + 1);
  }

  #wake(): void {
    // The first waiter whose host has room goes; one that gave up hands the slot on.
    const ws = this.#waiters;
    for (let i = 0; i < ws.length && this.#active < this.#limit;) {
      const w = ws[i] as SlotWaiter;
      if (!this.#fits(w._slotKey)) {
        i++;
        continue;
      }
      ws.splice(i, 1);
      this.#take(w._slotKey);
      if (!w._slotGranted()) this.#untake(w._slotKey);
    }
  }

  #untake(key: string): void {
    this.#active--;
    if (this.#perHost !== Infinity) {
      const n = (this.#hosts.get(key) ?? 1) - 1;
      if (n === 0) this.#hosts.delete(key);
      else this.#hosts.set(key, n);
    }
  }
}
