/**
 * `Queue`, `PriorityQueue` and `LifoQueue`, as asyncio's.
 * @module
 */
import { Deque } from './deque.js';
import { InvalidStateError, QueueEmpty, QueueFull, QueueShutDown } from './errors.js';
import { Event } from './event.js';
import { Future } from './future.js';
import type { SignalOptions } from './sleep.js';
import { checkSignal, resumed, suspend } from './suspend.js';
import { toInt, toSignal } from './validate.js';
import { checkOptions, knownOptions, SIGNAL_ONLY } from './options.js';

const PRIORITY_QUEUE_OPTIONS = knownOptions('compare');

function wakeupNext(waiters: Deque<Future<void>>): void {
  for (;;) {
    const w = waiters.shift();
    if (w === undefined) return;
    if (!w.done()) {
      w.setResult();
      return;
    }
  }
}

function discard(waiters: Deque<Future<void>>, fut: Future<void>): void {
  // Rare path (cancellation): rebuild without `fut`.
  const rest = [...waiters].filter((w) => w !== fut);
  waiters.clear();
  for (const w of rest) waiters.push(w);
}

/**
 * A first-in first-out queue for tasks. `maxsize` <= 0 means unbounded.
 * Waiters are served in arrival order; a cancelled `get()` never loses an item.
 * @example
 * const q = new Queue<string>(100);
 * await q.put('job');
 * const job = await q.get();
 * q.taskDone();
 */
export class Queue<T> {
  readonly #maxsize: number;
  readonly #getters = new Deque<Future<void>>();
  readonly #putters = new Deque<Future<void>>();
  #unfinished = 0;
  readonly #finished = new Event();
  #shutdown = false;

  /** A queue holding at most `maxsize` items (0 or less: no limit). */
  constructor(maxsize = 0) {
    this.#maxsize = toInt(`${new.target.name}()`, 'maxsize', maxsize);
    this.#finished.set();
  }

  /** The bound given to the constructor. */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** Number of items in the queue. */
  qsize(): number {
    return this._size();
  }

  /** True if the queue holds no item. */
  empty(): boolean {
    return this._size() === 0;
  }

  /** True if the queue holds `maxsize` items. */
  full(): boolean {
    return this.#maxsize > 0 && this._size() >= this.#maxsize;
  }

  /** Put an item, waiting while the queue is full. */
  async put(item: T, options?: SignalOptions): Promise<void> {
    if (options !== undefined) checkOptions(`${this.constructor.name}.put()`, options, SIGNAL_ONLY);
    const signal = toSignal(`${this.constructor.name}.put()`, options?.signal);
    checkSignal(signal);
    while (this.full()) {
      if (this.#shutdown) throw new QueueShutDown('put(): the queue is shut down');
      const putter = new Future<void>();
      this.#putters.push(putter);
      try {
        await suspend(putter, signal);
        resumed();
      } catch (e) {
        putter.cancel();
        discard(this.#putters, putter);
        // Woken for a free slot we will not take: pass it on.
        if (!this.full() && !putter.cancelled()) wakeupNext(this.#putters);
        throw e;
      }
    }
    this.putNowait(item);
  }

  /** Put an item now; throws `QueueFull` if there is no room. */
  putNowait(item: T): void {
    if (this.#shutdown) throw new QueueShutDown('putNowait(): the queue is shut down');
    if (this.full()) throw new QueueFull(`putNowait(): the queue is full (maxsize ${this.#maxsize})`);
    this._put(item);
    this.#unfinished++;
    this.#finished.clear();
    wakeupNext(this.#getters);
  }

  /** Remove and return an item, waiting while the queue is empty. */
  async get(options?: SignalOptions): Promise<T> {
    if (options !== undefined) checkOptions(`${this.constructor.name}.get()`, options, SIGNAL_ONLY);
    const signal = toSignal(`${this.constructor.name}.get()`, options?.signal);
    checkSignal(signal);
    while (this.empty()) {
      if (this.#shutdown) throw new QueueShutDown('get(): the queue is shut down and empty');
      const getter = new Future<void>();
      this.#getters.push(getter);
      try {
        await suspend(getter, signal);
        resumed();
      } catch (e) {
        getter.cancel();
        discard(this.#getters, getter);
        // Woken for an item we will not take: leave it for the next getter.
        if (!this.empty() && !getter.cancelled()) wakeupNext(this.#getters);
        throw e;
      }
    }
    return this.getNowait();
  }

  /** Remove and return an item now; throws `QueueEmpty` if there is none. */
  getNowait(): T {
    if (this.empty()) {
      if (this.#shutdown) throw new QueueShutDown('getNowait(): the queue is shut down and empty');
      throw new QueueEmpty('getNowait(): the queue is empty');
    }
    const item = this._get();
    wakeupNext(this.#putters);
    return item;
  }

  /** Mark one item taken with `get()` as processed (for `join()`). */
  taskDone(): void {
    if (this.#unfinished <= 0) throw new InvalidStateError('taskDone() called too many times');
    this.#unfinished--;
    if (this.#unfinished === 0) this.#finished.set();
  }

  /** Wait until every item put has been marked done with `taskDone()`. */
  async join(options?: SignalOptions): Promise<void> {
    if (options !== undefined) checkOptions(`${this.constructor.name}.join()`, options, SIGNAL_ONLY);
    if (this.#unfinished > 0) await this.#finished.wait(options);
  }

  /**
   * Shut the queue down: puts throw `QueueShutDown`, gets throw it once the
   * queue is empty. With `immediate`, the items left are dropped and
   * `join()` returns.
   */
  shutdown(immediate = false): void {
    this.#shutdown = true;
    if (immediate) {
      while (!this.empty()) {
        this._get();
        if (this.#unfinished > 0) this.#unfinished--;
      }
      if (this.#unfinished === 0) this.#finished.set();
    }
    for (let w = this.#getters.shift(); w !== undefined; w = this.#getters.shift()) if (!w.done()) w.setResult();
    for (let w = this.#putters.shift(); w !== undefined; w = this.#putters.shift()) if (!w.done()) w.setResult();
  }

  /** Async iteration gets items until the queue is shut down and empty. */
  async* [Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.get();
      } catch (e) {
        if (e instanceof QueueShutDown) return;
        throw e;
      }
    }
  }

  /** Storage hooks, overridden by `PriorityQueue` and `LifoQueue`. */
  protected _size(): number {
    return this.#items.length;
  }

  protected _put(item: T): void {
    this.#items.push(item);
  }

  protected _get(): T {
    return this.#items.shift() as T;
  }

  readonly #items = new Deque<T>();
}

/** Orders items; negative if `a` comes first. */
export type Comparator<T> = (a: T, b: T) => number;

/**
 * Compares as Python does for the usual priority items: numbers, strings,
 * bigints, and arrays (tuples such as `[priority, item]`) element by element.
 */
export function defaultCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = defaultCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TypeError(`PriorityQueue: cannot compare ${typeof a} with ${typeof b}; pass a comparator`);
}

/** Options of {@link PriorityQueue}. */
export interface PriorityQueueOptions<T> {
  /** How to order items. @default {@link defaultCompare} */
  readonly compare?: Comparator<T>;
}

/**
 * A queue that returns the smallest item first, in `heapq`'s order: items the
 * comparator finds equal come out as Python's `PriorityQueue` returns them
 * (not first-in first-out; add a sequence number to the tuple for that).
 * @example
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([2, 'b']); q.putNowait([1, 'a']);
 * q.getNowait(); // [1, 'a']
 */
export class PriorityQueue<T> extends Queue<T> {
  readonly #heap: T[] = [];
  readonly #compare: Comparator<T>;

  constructor(maxsize = 0, options?: PriorityQueueOptions<T>) {
    super(maxsize);
    checkOptions('PriorityQueue()', options, PRIORITY_QUEUE_OPTIONS);
    const c = options?.compare;
    if (c !== undefined && typeof c !== 'function') throw new TypeError('PriorityQueue(): compare must be a function');
    this.#compare = c ?? defaultCompare;
  }

  protected override _size(): number {
    return this.#heap.length;
  }

  // heapq's algorithm step for step, so that items the comparator finds equal
  // come out in the order Python's PriorityQueue gives them. It asks only
  // "is a before b" (compare < 0), as heapq asks only `<`.
  protected override _put(item: T): void {
    const h = this.#heap;
    h.push(item);
    this.#siftTowardRoot(0, h.length - 1);
  }

  protected override _get(): T {
    const h = this.#heap;
    const last = h.pop() as T;
    if (h.length === 0) return last;
    const top = h[0] as T;
    h[0] = last;
    this.#siftToLeaf(0);
    return top;
  }

  // Move the item at `pos` up while it is before its parent (not past `start`).
  #siftTowardRoot(start: number, pos: number): void {
    const h = this.#heap;
    const item = h[pos] as T;
    while (pos > start) {
      const parentPos = (pos - 1) >> 1;
      const parent = h[parentPos] as T;
      if (!(this.#compare(item, parent) < 0)) break;
      h[pos] = parent;
      pos = parentPos;
    }
    h[pos] = item;
  }

  // Walk the hole at `pos` down to a leaf along the smaller children (the
  // right one unless the left is strictly before it), put the item there, and
  // sift it back up: fewer comparisons than stopping early, and heapq's order.
  #siftToLeaf(pos: number): void {
    const h = this.#heap;
    const end = h.length;
    const start = pos;
    const item = h[pos] as T;
    let child = 2 * pos + 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !(this.#compare(h[child] as T, h[right] as T) < 0)) child = right;
      h[pos] = h[child] as T;
      pos = child;
      child = 2 * pos + 1;
    }
    h[pos] = item;
    this.#siftTowardRoot(start, pos);
  }
}

/**
 * A last-in first-out queue (a stack).
 * @example
 * const q = new LifoQueue<number>();
 * q.putNowait(1); q.putNowait(2);
 * q.getNowait(); // 2
 */
export class LifoQueue<T> extends Queue<T> {
  readonly #stack: T[] = [];

  protected override _size(): number {
    return this.#stack.length;
  }

  protected override _put(item: T): void {
    this.#stack.push(item);
  }

  protected override _get(): T {
    return this.#stack.pop() as T;
  }
}
