/**
 * The WebSocket heartbeat, coalesced: every socket with the same `heartbeat`
 * period shares one wheel, and one unref'd interval timer per wheel pings the
 * sockets due and closes those whose pong is late. A socket costs no timer of
 * its own, and a frame received costs one field write.
 *
 * Timing, with `s` the period and a tick of `s/K` (K ticks per period: about
 * 100 ms each, at least 8 and at most 256 per period):
 * - a ping goes out `s` after the previous one when only pongs came back, or
 *   between `s` and `s + s/K` after the last frame received when the peer
 *   sent data (received data postpones the next ping, as in aiohttp 3.10+);
 * - a ping with no frame at all back within at least `s/2` (measured on the
 *   clock, at most `s/2` plus two ticks) makes the socket's `onMissed` run;
 *   any frame proves the peer alive, as in aiohttp;
 * - a tick handles 64 sockets per event-loop turn, the rest on the next
 *   turns, so that a burst of pings does not hold up I/O;
 * - ticks are never replayed in a burst: when the event loop was blocked the
 *   wheel falls behind, so a peer gets at least one tick of I/O after a stall
 *   before its pong counts as missing.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { report } from '../core/report.js';

// Ticks per period: a ping may go out one tick late, and the sockets that
// joined within one tick are pinged in one burst; so about 100 ms per tick
// (10,000 sockets on a 5 s period: bursts of 200 pings, not 1,250), but at
// least 8 per period and at most 256 (a 30 s period ticks every 117 ms).
const TICK_TARGET_S = 0.1;
const MIN_TICKS = 8;
const MAX_TICKS = 256;
// Sockets handled per event-loop turn: a tick's burst of pings is spread
// over turns (setImmediate) so that I/O goes on between them.
const CHUNK = 64;
// setInterval's largest delay; past it Node would fire every millisecond.
const MAX_TICK_MS = 2 ** 31 - 1;

/** A list of heartbeats linked through their own fields (O(1) add and remove). */
class Slot {
  head: Heartbeat | null = null;
}

/**
 * @internal One socket's place in its wheel. The socket tells it what it
 * received (`touch()` for data and pings, `pong()` for pongs) and `stop()`s
 * it when the connection closes.
 */
export class Heartbeat {
  /** @internal */ _prev: Heartbeat | null = null;
  /** @internal */ _next: Heartbeat | null = null;
  /** @internal The list it is in; null once stopped. */ _slot: Slot | null = null;
  /** @internal Tick of the last data frame or ping received. */ _seen: number;
  /** @internal A pong came since the last ping. */ _ponged = false;
  /** @internal Tick of the ping awaiting its pong, or -1. */ _pingTick = -1;
  /** @internal performance.now() when that ping went out. */ _pingAt = 0;
  /** @internal The wheel this heartbeat runs on. */ readonly _wheel: HeartbeatWheel;
  /** @internal Sends a ping. */ readonly _ping: () => void;
  /** @internal Called once, from the timer, when a pong is late; the heartbeat is stopped by then. */ readonly _missed: () => void;

  constructor(wheel: HeartbeatWheel, ping: () => void, missed: () => void) {
    this._wheel = wheel;
    this._ping = ping;
    this._missed = missed;
    this._seen = wheel.tick;
  }

  /** A data frame or a ping came from the peer. */
  touch(): void {
    this._seen = this._wheel.tick;
  }

  /** A pong came from the peer. */
  pong(): void {
    this._ponged = true;
  }

  /** Leave the wheel (idempotent). */
  stop(): void {
    if (this._slot !== null) this._wheel.remove(this);
  }
}

function link(slot: Slot, e: Heartbeat): void {
  e._slot = slot;
  e._prev = null;
  e._next = slot.head;
  if (slot.head !== null) slot.head._prev = e;
  slot.head = e;
}

function unlink(e: Heartbeat): void {
  const slot = e._slot as Slot;
  if (e._prev === null) slot.head = e._next;
  else e._prev._next = e._next;
  if (e._next !== null) e._next._prev = e._prev;
  e._prev = e._next = e._slot = null;
}

function safely(fn: () => void, what: string): void {
  try {
    fn();
  } catch (e) {
    report({ message: `WebSocket heartbeat: ${what} failed`, exception: e });
  }
}

/** @internal The heartbeats of one period, driven by one interval timer. */
export class HeartbeatWheel {
  /** The period, seconds. */
  readonly seconds: number;
  /** Ticks since the wheel started (the wheel's clock). */
  tick = 0;
  /** Heartbeats on the wheel. */
  size = 0;
  /** Ticks per period (even). */
  readonly ticksPerPeriod: number;
  readonly #pongTicks: number;
  readonly #tickMs: number;
  readonly #pongMs: number;
  readonly #slots: Slot[] = [];
  // Where a tick's slot is moved while it is processed, so that a callback
  // that stops another heartbeat of the same slot unlinks it from here.
  readonly #work = new Slot();
  #timer: NodeJS.Timeout | undefined = undefined;
  readonly #onTick = (): void => this._tick();
  #draining: NodeJS.Immediate | undefined = undefined;
  readonly #onDrain = (): void => {
    this.#draining = undefined;
    this.#drain();
  };

  readonly #now: () => number;

  /** `now` is the clock in milliseconds (tests give their own). */
  constructor(seconds: number, now: () => number = () => performance.now()) {
    this.seconds = seconds;
    this.#now = now;
    const k = 2 * Math.round(Math.min(MAX_TICKS, Math.max(MIN_TICKS, seconds / TICK_TARGET_S)) / 2);
    this.ticksPerPeriod = k;
    this.#pongTicks = k / 2;
    this.#tickMs = Math.min(MAX_TICK_MS, Math.max(1, (seconds * 1000) / k));
    this.#pongMs = (seconds * 1000) / 2;
    // One slot beyond the farthest schedule (a period and a tick ahead).
    for (let i = 0; i < k + 2; i++) this.#slots.push(new Slot());
  }

  /** True while the wheel's timer runs (exactly while it holds heartbeats). */
  get ticking(): boolean {
    return this.#timer !== undefined;
  }

  /** Put a new heartbeat on the wheel; its first ping is due one period (plus up to a tick) from now. */
  add(ping: () => void, missed: () => void): Heartbeat {
    const e = new Heartbeat(this, ping, missed);
    this.#put(e, this.tick + this.ticksPerPeriod + 1);
    this.size++;
    if (this.#timer === undefined) {
      this.#timer = setInterval(this.#onTick, this.#tickMs);
      this.#timer.unref();
    }
    return e;
  }

  /** Take a heartbeat off; the last one stops the timer and drops the wheel. */
  remove(e: Heartbeat): void {
    unlink(e);
    this.#dropOne();
  }

  #dropOne(): void {
    if (--this.size > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    clearImmediate(this.#draining);
    this.#draining = undefined;
    if (wheels.get(this.seconds) === this) wheels.delete(this.seconds);
  }

  #put(e: Heartbeat, due: number): void {
    link(this.#slots[due % this.#slots.length] as Slot, e);
  }

  /** @internal One tick: what the timer runs (tests call it by hand). */
  _tick(): void {
    const tick = ++this.tick;
    const slot = this.#slots[tick % this.#slots.length] as Slot;
    const work = this.#work;
    while (slot.head !== null) {
      const e = slot.head;
      unlink(e);
      link(work, e);
    }
    if (this.#draining === undefined) this.#drain();
  }

  // Handles up to CHUNK sockets of the work list, and the rest on later turns.
  #drain(): void {
    const tick = this.tick;
    const now = this.#now();
    const work = this.#work;
    for (let n = 0; work.head !== null; n++) {
      if (n === CHUNK) {
        this.#draining = setImmediate(this.#onDrain);
        this.#draining.unref();
        return;
      }
      const e = work.head;
      unlink(e);
      if (e._pingTick < 0) this.#pingDue(e, tick, now);
      else this.#pongDue(e, tick, now);
    }
  }

  #pingDue(e: Heartbeat, tick: number, now: number): void {
    // Data received since this slot was chosen postpones the ping.
    const want = e._seen + this.ticksPerPeriod + 1;
    if (want > tick) {
      this.#put(e, want);
      return;
    }
    e._pingTick = tick;
    e._pingAt = now;
    e._ponged = false;
    this.#put(e, tick + this.#pongTicks);
    safely(e._ping, 'ping');
  }

  #pongDue(e: Heartbeat, tick: number, now: number): void {
    if (e._ponged || e._seen >= e._pingTick) {
      const next = Math.max(e._pingTick + this.ticksPerPeriod, tick + 1);
      e._pingTick = -1;
      this.#put(e, next);
      return;
    }
    // Ticks can come early by the clock's rounding: the deadline is s/2 of real time.
    if (now - e._pingAt < this.#pongMs) {
      this.#put(e, tick + 1);
      return;
    }
    // Left on no list, so that the socket's stop() is a no-op from here on.
    this.#dropOne();
    safely(e._missed, 'closing a socket whose pong is late');
  }
}

const wheels = new Map<number, HeartbeatWheel>();

/**
 * @internal Start the heartbeat of one socket: `ping` is called when a ping
 * is due, `missed` once if no frame answers one in time.
 */
export function startHeartbeat(seconds: number, ping: () => void, missed: () => void): Heartbeat {
  let w = wheels.get(seconds);
  if (w === undefined) {
    w = new HeartbeatWheel(seconds);
    wheels.set(seconds, w);
  }
  return w.add(ping, missed);
}

/** @internal The wheels running now, for tests and diagnostics. */
export function heartbeatWheels(): readonly HeartbeatWheel[] {
  return [...wheels.values()];
}
