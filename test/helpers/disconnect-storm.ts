/**
 * The app of the disconnect storm (test/reliability/disconnect-storm.test.ts
 * and bench/stress/disconnect-storm.ts): handlers whose clients leave while
 * they wait, counting what aiots tells them.
 *
 * Without handler cancellation, a handler waits until every client of the
 * round has gone (each `request.signal` that fires counts one), then sleeps
 * as the seed's handlers do and returns a response nobody will read: the
 * clients leave in the middle of the handler whatever the machine's speed.
 * With cancellation, a handler sleeps for an hour: only its cancellation
 * ends it.
 * @module
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CancelledError, Event, currentTask, sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';

/** What the handlers of a round went through. */
export interface StormCounts {
  started: number;
  /** `request.signal` fired. */
  aborted: number;
  /** The handler's await rejected with CancelledError. */
  cancelled: number;
  /** The handler returned its response (to a client that had left). */
  returned: number;
  /** The handler ended, however. */
  ended: number;
  /** Any other error in a handler, or a line for errorLog: should stay 0. */
  errors: number;
}

export interface Storm {
  readonly app: web.Application;
  readonly counts: StormCounts;
  /** Options for the runner: handlerCancellation and an errorLog that counts. */
  readonly runnerOptions: { handlerCancellation: boolean; errorLog: (message: string, error: unknown) => void; accessLog: null };
  /** Start a round of `clients`: counts reset; `allStarted` is set once every handler has started. */
  round(clients: number): { allStarted: Event; allEnded: Event };
  /** Requests and handler tasks of the rounds still reachable (call after a full gc). */
  live(): { requests: number; tasks: number };
  /** Stop watching requests. */
  close(): void;
}

export function stormApp(options: { cancellation: boolean; sleep?: number }): Storm {
  const pause = options.sleep ?? 0.5;
  const counts: StormCounts = { started: 0, aborted: 0, cancelled: 0, returned: 0, ended: 0, errors: 0 };
  let expected = 0;
  let gone = new Event();
  let allStarted = new Event();
  let allEnded = new Event();
  const requests: WeakRef<object>[] = [];
  const tasks: WeakRef<object>[] = [];
  const onRequest = (m: unknown): void => {
    requests.push(new WeakRef((m as { request: object }).request));
  };
  subscribe('aiots:web:request', onRequest);

  const app = new web.Application();
  app.router.addGet('/storm/{n}', async (request) => {
    tasks.push(new WeakRef(currentTask()!));
    if (++counts.started === expected) allStarted.set();
    const round = gone;
    request.signal.addEventListener('abort', () => {
      if (++counts.aborted === expected) round.set();
    }, { once: true });
    try {
      if (options.cancellation) await sleep(3600);
      else {
        await round.wait();
        await sleep(pause);
      }
      counts.returned++;
      return new web.Response({ text: 'nobody reads this' });
    } catch (e) {
      if (e instanceof CancelledError) counts.cancelled++;
      else counts.errors++;
      throw e;
    } finally {
      if (++counts.ended === expected) allEnded.set();
    }
  });
  app.router.addGet('/ok', async () => new web.Response({ text: 'ok' }));

  return {
    app,
    counts,
    runnerOptions: {
      handlerCancellation: options.cancellation,
      errorLog: () => {
        counts.errors++;
      },
      accessLog: null,
    },
    round(clients) {
      Object.assign(counts, { started: 0, aborted: 0, cancelled: 0, returned: 0, ended: 0, errors: 0 });
      expected = clients;
      gone = new Event();
      allStarted = new Event();
      allEnded = new Event();
      requests.length = 0;
      tasks.length = 0;
      return { allStarted, allEnded };
    },
    live() {
      return { requests: requests.filter((r) => r.deref() !== undefined).length, tasks: tasks.filter((r) => r.deref() !== undefined).length };
    },
    close() {
      unsubscribe('aiots:web:request', onRequest);
    },
  };
}
