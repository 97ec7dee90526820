// Random cancellation of an await that listens to an event emitter, shared by
// every test folder. The rule it checks (audit issue 9, item 1): a future
// settled from an event listener is guarded, and every listener registered for
// an await is removed when that await ends, however it ends. A listener that
// settles a cancelled future throws InvalidStateError from an emitter, which
// ends the process; a listener left behind is a leak.
//
// Usage:
//   await cancelAtRandom(async (trial) => {
//     const { peer, socket } = await world();   // set up the emitters
//     trial.watch(socket);                        // their listener counts must come back
//     const started = trial.start(() => reader.read(10));
//     await started.cancelPoint;                  // the task was cancelled (or will be once done)
//     peer.end('rest of the data');               // the outside world goes on
//     await started.outcome;                      // the task finished (any outcome is fine)
//   });
// A failure names the trial's seed; replay it with `{ seed, trials: 1 }`.
import { AssertionError } from 'node:assert';
import type { EventEmitter } from 'node:events';
import { setImmediate as turn } from 'node:timers/promises';
import { inspect } from 'node:util';
import { createTask } from '../../src/core/task.js';
import { getEventLoop } from '../../src/core/loop.js';
import type { ExceptionContext } from '../../src/core/report.js';
import { seededRandom } from '../core/seeded-random.js';

/** Options of `cancelAtRandom()`. */
export interface CancelAtRandomOptions {
  /** How many trials. @default 40 */
  readonly trials?: number;
  /** The first trial's seed (trial i uses seed + i). @default 1 */
  readonly seed?: number;
  /** Seconds the task may take to finish once cancelled before the trial fails. @default 5 */
  readonly finishWithin?: number;
}

/** A task started by `trial.start()`. */
export interface Started<T> {
  /** Resolves once the cancellation was issued; for the "after it settled" point, at once (the cancel comes when the task is done). */
  readonly cancelPoint: Promise<void>;
  /** How the task ended (`{ status: 'rejected', reason: 'cancelled' }` when the cancellation won). Rejects if it did not end within `finishWithin` seconds of its cancellation. */
  readonly outcome: Promise<PromiseSettledResult<T>>;
}

/** One trial of a scenario. */
export interface Trial {
  /** This trial's seed. */
  readonly seed: number;
  /** Random numbers for the scenario's own choices, repeatable with the seed. */
  readonly random: () => number;
  /** Where the cancellation falls in this trial, for messages. */
  readonly point: string;
  /** The kind of point; with 'after-settled' the world must let the await finish on its own. */
  readonly kind: Point['kind'];
  /** Check, when the started task ends (or at the end of the trial without one), that no event of these emitters has more listeners than now. */
  watch(...emitters: readonly EventEmitter[]): void;
  /** Run `fn` in a new aiots task and cancel that task at this trial's point. Call once per trial. */
  start<T>(fn: () => PromiseLike<T>): Started<T>;
}

/** Where a trial cancels its task. */
export type Point =
  | { readonly kind: 'before-start' }
  | { readonly kind: 'microtasks'; readonly n: number }
  | { readonly kind: 'turns'; readonly n: number }
  | { readonly kind: 'ms'; readonly n: number }
  | { readonly kind: 'after-settled' };

function pickPoint(random: () => number): Point {
  const r = random();
  const n = Math.floor(random() * 6);
  if (r < 0.1) return { kind: 'before-start' };
  if (r < 0.4) return { kind: 'microtasks', n };
  if (r < 0.65) return { kind: 'turns', n: n + 1 };
  if (r < 0.9) return { kind: 'ms', n: 1 + Math.floor(random() * 30) };
  return { kind: 'after-settled' };
}

function describePoint(p: Point): string {
  switch (p.kind) {
    case 'before-start': return 'cancelled before it started';
    case 'microtasks': return `cancelled after ${p.n} microtask(s)`;
    case 'turns': return `cancelled after ${p.n} event-loop turn(s)`;
    case 'ms': return `cancelled after ${p.n} ms`;
    case 'after-settled': return 'cancelled after it settled';
  }
}

async function reach(p: Point): Promise<void> {
  if (p.kind === 'microtasks') for (let i = 0; i < p.n; i++) await Promise.resolve();
  else if (p.kind === 'turns') for (let i = 0; i < p.n; i++) await turn();
  else if (p.kind === 'ms') await new Promise((resolve) => setTimeout(resolve, p.n));
}

function show(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : inspect(e);
}

type Counts = Map<string | symbol, number>;

function countsOf(e: EventEmitter): Counts {
  const m: Counts = new Map();
  for (const name of e.eventNames()) m.set(name, e.listenerCount(name));
  return m;
}

/**
 * Run `scenario` `trials` times, each with its own seed and cancellation
 * point (before the task starts, after 0-5 microtasks, 1-6 event-loop turns,
 * 1-30 ms, or after it settled). Fails, naming the seed, when a trial let an
 * exception or a rejection go uncaught, reported an error through aiots's
 * exception handler, left more listeners on a watched emitter (once the
 * task ended) than it found, or left a cancelled task running.
 */
export async function cancelAtRandom(scenario: (trial: Trial) => Promise<void>, options: CancelAtRandomOptions = {}): Promise<void> {
  const trials = options.trials ?? 40;
  const first = options.seed ?? 1;
  const finishWithin = (options.finishWithin ?? 5) * 1000;
  for (let i = 0; i < trials; i++) {
    const seed = first + i;
    const random = seededRandom(seed);
    const p = pickPoint(random);
    const point = describePoint(p);
    const problems: string[] = [];
    const watched: [EventEmitter, Counts][] = [];
    let started = false;
    const onUncaught = (e: unknown): void => {
      problems.push(`uncaught exception: ${show(e)}`);
    };
    const onRejection = (e: unknown): void => {
      problems.push(`unhandled rejection: ${show(e)}`);
    };
    // Reports go to the loop in charge: the current one (trials run no loop).
    const loop = getEventLoop();
    const previous = loop.getExceptionHandler();
    loop.setExceptionHandler((c: ExceptionContext) => {
      problems.push(`reported: ${c.message} ${show(c.exception)}`);
    });
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onRejection);
    // Checked when the task ends: what the await registered must be gone by
    // then (Node adds listeners of its own later, e.g. once a response ends).
    const checkListeners = (): void => {
      for (const [e, before] of watched) {
        for (const [name, n] of countsOf(e)) {
          const had = before.get(name) ?? 0;
          if (n > had) problems.push(`${e.constructor.name} has ${n} '${String(name)}' listener(s) once the task ended, had ${had}`);
        }
      }
    };
    const trial: Trial = {
      seed,
      random,
      point,
      kind: p.kind,
      watch(...emitters) {
        for (const e of emitters) watched.push([e, countsOf(e)]);
      },
      start<T>(fn: () => PromiseLike<T>): Started<T> {
        if (started) throw new Error('cancelAtRandom: trial.start() called twice in one trial');
        started = true;
        const task = createTask(fn);
        const settled = new Promise<PromiseSettledResult<T>>((resolve) => {
          task.addDoneCallback((t) => {
            checkListeners();
            if (t.cancelled()) resolve({ status: 'rejected', reason: 'cancelled' });
            else {
              const e = t.exception();
              resolve(e === null ? { status: 'fulfilled', value: t.result() } : { status: 'rejected', reason: e });
            }
          });
        });
        let cancelPoint: Promise<void>;
        if (p.kind === 'before-start') {
          task.cancel();
          cancelPoint = Promise.resolve();
        } else if (p.kind === 'after-settled') {
          cancelPoint = Promise.resolve();
          void settled.then(() => task.cancel());
        } else {
          cancelPoint = reach(p).then(() => {
            task.cancel();
          });
        }
        const outcome = cancelPoint.then(() => {
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new AssertionError({ message: `trial seed ${seed} (${point}): the task did not finish within ${finishWithin} ms of its cancellation` })), finishWithin);
          });
          return Promise.race([settled, late]).finally(() => clearTimeout(timer));
        });
        return { cancelPoint, outcome };
      },
    };
    try {
      await scenario(trial);
      // Let late socket events (the peer's FIN, a close) arrive while we still listen.
      for (let k = 0; k < 3; k++) await turn();
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let k = 0; k < 3; k++) await turn();
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      throw new AssertionError({ message: `trial seed ${seed} (${point}): the scenario failed: ${show(e)}` });
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onRejection);
      loop.setExceptionHandler(previous);
    }
    if (!started) checkListeners();
    if (problems.length > 0) {
      throw new AssertionError({ message: `trial seed ${seed} (${point}), replay with { seed: ${seed}, trials: 1 }:\n${problems.join('\n')}` });
    }
  }
}
