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
  #waiters: SlotWaiter[] = [];
  #head = 0;
  #waking = false;

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
    return this.#waiters.length - this.#head;
  }

  /** Take a slot now if one is free and nobody waits ahead. */
  tryAcquire(key: string): boolean {
    if (this.#waiters.length !== this.#head || !this.#fits(key)) return false;
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
    // A grant can fail synchronously and release again: the running loop sees the room.
    if (this.#waiters.length !== this.#head && !this.#waking) {
      this.#waking = true;
      try {
        this.#wake();
      } finally {
        this.#waking = false;
      }
    }
  }

  #fits(key: string): boolean {
    return this.#active < this.#limit && (this.#perHost === Infinity || (this.#hosts.get(key) ?? 0) < this.#perHost);
  }

  #take(key: string): void {
    this.#active++;
    if (this.#perHost !== Infinity) this.#hosts.set(key, (this.#hosts.get(key) ?? 0) + 1);
  }

  #wake(): void {
    if (this.#perHost === Infinity) {
      // Every waiter fits once there is room: a FIFO, O(1) per wake-up.
      const ws = this.#waiters;
      while (this.#head < ws.length && this.#active < this.#limit) {
        const w = ws[this.#head] as SlotWaiter;
        ws[this.#head++] = undefined as unknown as SlotWaiter;
        this.#take(w._slotKey);
        if (!w._slotGranted()) this.#untake(w._slotKey);
      }
      if (this.#head === ws.length) {
        this.#waiters = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > ws.length) {
        this.#waiters = ws.slice(this.#head);
        this.#head = 0;
      }
      return;
    }
    // The first waiter whose host has room goes; one that gave up hands the slot on.
    const ws = this.#waiters;
    for (let i = this.#head; i < ws.length && this.#active < this.#limit;) {
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
