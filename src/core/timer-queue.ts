/**
 * The timers of sleeps, `callLater`/`callAt` handles and timeouts, and the
 * callbacks of `callSoon`, run in turns as asyncio's `_run_once` runs them:
 * each turn takes the timers due when it starts, runs the callbacks already
 * queued, then those timers, all in one Node callback. What they trigger
 * (promise reactions, tasks resuming) runs after the whole turn, so timers
 * that fall due together settle together: two tasks of a TaskGroup that fail
 * after the same sleep both fail before the group reacts to the first.
 *
 * One Node timer is armed for the earliest deadline. Timers are kept in
 * buckets of one millisecond (Node's timer resolution), so 10,000 sleeps made
 * in the same millisecond cost one array push each and one Node timer.
 * @module
 */
import { monotonic } from './clock.js';
import { report } from './report.js';

/** @internal Something that runs at a deadline (a sleep, a timer handle, a timeout). */
export interface TimerEntry {
  /** The deadline, in `loop.time()` seconds. */
  _when: number;
  /** Where the entry is queued; undefined when it is not. */
  _bucket: Bucket | undefined;
  _slot: number;
  /** Called once, in its turn, when the deadline has passed. */
  _fire(): void;
}

/** @internal Something queued with `callSoon`. */
export interface ReadyEntry {
  _run(): void;
}

/** @internal The timers whose deadlines fall in one millisecond. */
export interface Bucket {
  readonly key: number;
  items: (TimerEntry | undefined)[];
  live: number;
  /** Entries were pushed out of deadline order: sort before running. */
  unsorted: boolean;
  maxWhen: number;
}

// setTimeout fires at once past 2^31-1 ms; a later deadline re-arms.
const MAX_TIMER_MS = 0x7fffffff;

const buckets = new Map<number, Bucket>();
// Min-heap of bucket keys. A key may outlive its bucket (all its timers were
// cancelled): such keys are skipped when they reach the top.
const heap: number[] = [];
let live = 0;
let ready: ReadyEntry[] = [];
let immediate = false;
let timer: NodeJS.Timeout | undefined = undefined;
let armedKey = Infinity;

/** @internal Queue `e` to fire at `e._when`; `now` is `monotonic()`, as the caller read it. */
export function addTimer(e: TimerEntry, now: number): void {
  const when = e._when;
  const key = Math.ceil(when * 1000);
  let b = buckets.get(key);
  if (b === undefined) {
    b = { key, items: [], live: 0, unsorted: false, maxWhen: when };
    buckets.set(key, b);
    heapPush(key);
  } else if (when < b.maxWhen) b.unsorted = true;
  else b.maxWhen = when;
  e._bucket = b;
  e._slot = b.items.push(e) - 1;
  b.live++;
  live++;
  if (when <= now) scheduleTurn();
  else if (key < armedKey) arm(key);
}

/** @internal Take `e` out of the queue (no effect if it is not queued). */
export function removeTimer(e: TimerEntry): void {
  const b = e._bucket;
  if (b === undefined) return;
  e._bucket = undefined;
  b.items[e._slot] = undefined;
  live--;
  if (--b.live === 0 && buckets.get(b.key) === b) {
    buckets.delete(b.key);
    // Cancelled timers must not pile up as stale keys.
    if (heap.length > 64 && heap.length > 4 * buckets.size) rebuildHeap();
  }
  if (live === 0 && timer !== undefined) {
    clearTimeout(timer);
    timer = undefined;
    armedKey = Infinity;
  }
}

/** @internal Run `e._run()` in the next turn, as `callSoon`. */
export function addReady(e: ReadyEntry): void {
  ready.push(e);
  scheduleTurn();
}

function scheduleTurn(): void {
  if (immediate) return;
  immediate = true;
  setImmediate(onImmediate);
}

function onImmediate(): void {
  immediate = false;
  runTurn();
}

// Node may fire a timer up to a few milliseconds early on the monotonic clock
// (libuv measures from its clock as cached when the turn that armed it
// began). A fire that would split a millisecond's bucket, or a bucket just
// being reached, is put off once until that bucket is wholly due, so that
// timers made together stay together.
let postponed = false;

function onTimer(): void {
  timer = undefined;
  armedKey = Infinity;
  const nowMs = monotonic() * 1000;
  const k = Math.ceil(nowMs);
  if (!postponed && k > nowMs && buckets.has(k) && ready.length === 0) {
    postponed = true;
    arm(k);
    return;
  }
  postponed = false;
  runTurn();
}

function arm(key: number): void {
  if (timer !== undefined) clearTimeout(timer);
  armedKey = key;
  // +1: libuv truncates its clock to whole milliseconds (see timerMs).
  const ms = Math.min(Math.max(1, Math.ceil(key - monotonic() * 1000) + 1), MAX_TIMER_MS);
  timer = setTimeout(onTimer, ms);
}

/** One turn: the timers due now, after the callbacks queued before. */
function runTurn(): void {
  const now = monotonic();
  const due = takeDue(now);
  if (ready.length > 0) {
    const batch = ready;
    ready = [];
    for (let i = 0; i < batch.length; i++) (batch[i] as ReadyEntry)._run();
  }
  if (due !== undefined) {
    for (const b of due) {
      const items = b.items;
      for (let i = 0; i < items.length; i++) {
        const e = items[i];
        if (e === undefined) continue;
        items[i] = undefined;
        e._bucket = undefined;
        live--;
        try {
          e._fire();
        } catch (err) {
          // One failing timer must not cost the rest of the turn theirs.
          report({ message: 'Exception in a timer callback', exception: err });
        }
      }
    }
  }
  if (ready.length > 0) scheduleTurn();
  rearm();
}

// The buckets of every timer due at `now`, in deadline order, out of the queue.
function takeDue(now: number): Bucket[] | undefined {
  const nowMs = now * 1000;
  let due: Bucket[] | undefined;
  while (heap.length > 0) {
    const key = heap[0] as number;
    const b = buckets.get(key);
    if (b === undefined) {
      heapPop();
      continue;
    }
    if (key - 1 >= nowMs) break;
    if (b.unsorted) sortBucket(b);
    if (key > nowMs) {
      // Partly due: take the entries whose deadline has passed.
      const part = splitDue(b, now);
      if (part !== undefined) (due ??= []).push(part);
      if (b.live === 0) {
        heapPop();
        buckets.delete(key);
      }
      break;
    }
    heapPop();
    buckets.delete(key);
    (due ??= []).push(b);
  }
  return due;
}

function sortBucket(b: Bucket): void {
  const items = b.items.filter((e): e is TimerEntry => e !== undefined);
  // Array.prototype.sort is stable: equal deadlines keep their order.
  items.sort((x, y) => x._when - y._when);
  for (let i = 0; i < items.length; i++) (items[i] as TimerEntry)._slot = i;
  b.items = items;
  b.unsorted = false;
}

function splitDue(b: Bucket, now: number): Bucket | undefined {
  const items = b.items;
  let n = 0;
  const taken: TimerEntry[] = [];
  const kept: TimerEntry[] = [];
  for (const e of items) {
    if (e === undefined) continue;
    if (e._when <= now) taken.push(e);
    else kept.push(e);
    n++;
  }
  if (taken.length === 0) return undefined;
  const part: Bucket = { key: b.key, items: taken, live: taken.length, unsorted: false, maxWhen: b.maxWhen };
  for (let i = 0; i < taken.length; i++) {
    const e = taken[i] as TimerEntry;
    e._bucket = part;
    e._slot = i;
  }
  for (let i = 0; i < kept.length; i++) (kept[i] as TimerEntry)._slot = i;
  b.items = kept;
  b.live = n - taken.length;
  return part;
}

function rearm(): void {
  while (heap.length > 0 && !buckets.has(heap[0] as number)) heapPop();
  const key = heap[0];
  if (key === undefined || live === 0) {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    armedKey = Infinity;
    return;
  }
  if (key !== armedKey || timer === undefined) arm(key);
}

function rebuildHeap(): void {
  heap.length = 0;
  for (const key of buckets.keys()) heapPush(key);
}

function heapPush(key: number): void {
  let i = heap.push(key) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent] as number;
    if (p <= key) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = key;
}

function heapPop(): void {
  const last = heap.pop() as number;
  const n = heap.length;
  if (n === 0) return;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && (heap[r] as number) < (heap[l] as number) ? r : l;
    if ((heap[c] as number) >= last) break;
    heap[i] = heap[c] as number;
    i = c;
  }
  heap[i] = last;
}

/**
 * @internal A callback at `delay` seconds from now, on the queue: the
 * deadlines of `wait()` and `asCompleted()`, so that they fall due in the
 * same turn as the sleeps and timeouts due with them.
 */
export class QueuedCallback<A> implements TimerEntry {
  _when: number;
  _bucket: Bucket | undefined = undefined;
  _slot = 0;
  readonly #fn: (arg: A) => void;
  readonly #arg: A;

  constructor(delay: number, fn: (arg: A) => void, arg: A) {
    const now = monotonic();
    this._when = now + delay;
    this.#fn = fn;
    this.#arg = arg;
    addTimer(this, now);
  }

  _fire(): void {
    this.#fn(this.#arg);
  }

  cancel(): void {
    removeTimer(this);
  }
}

/** @internal How many timers are queued (tests check that none is left behind). */
export function queuedTimers(): number {
  return live;
}
