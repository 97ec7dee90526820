// fc.scheduler() orders the events of a shutdown against a real server
// (AppRunner + TCPSite on 127.0.0.1): up to four clients sending a request
// (on a new connection or on a kept-alive one that had a request answered),
// handlers that finish when the scheduler says so (or never, in one plan of
// ten, so that the deadline has something to cut), `runner.cleanup()`, and
// clients that leave mid-handler, with and without handlerCancellation.
// Whatever the order, the promises of
// docs/lifecycle.md "What a client gets at shutdown" hold: cleanup() ends;
// a handler that started is answered whole (with `Connection: close` if it
// ended once shutdown had begun) unless its client left or the deadline
// passed; a request written before shutdown began is served; nothing is
// answered twice; a connection opened after the drain is refused; nothing
// is unhandled or logged at error level; onShutdown then onCleanup, once.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { CancelledError, Event, getEventLoop, sleep, type ExceptionContext } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { openSocket, tryConnect } from '../web/helpers.js';
import { checkProperty } from './fuzz-runs.js';

// The scheduler releases every handler long before this deadline: only a
// plan with a stuck handler meets it, and that plan gets a short one so
// that the property stays fast.
const SHUTDOWN_TIMEOUT = 2;
const SHUTDOWN_TIMEOUT_STUCK = 0.15;

const errors: string[] = [];
const onStray = (e: unknown): void => void errors.push(`uncaught: ${String(e)}`);
const loop = getEventLoop();
const previousHandler = loop.getExceptionHandler();
before(() => {
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  loop.setExceptionHandler((context: ExceptionContext) => void errors.push(`reported: ${context.message}`));
});
after(() => {
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
  loop.setExceptionHandler(previousHandler);
});

interface ClientPlan {
  /** The connection had a request answered before the run (kept alive). */
  readonly kept: boolean;
  /** The client leaves once its handler has started. */
  readonly leaves: boolean;
  readonly bodySize: number;
}

interface Plan {
  readonly clients: readonly ClientPlan[];
  /** handlerCancellation: a client that leaves cancels its handler. */
  readonly cancelOnDisconnect: boolean;
  /** Client 0's handler is never released: only the deadline ends it. */
  readonly stuck: boolean;
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  clients: fc.array(fc.record({ kept: fc.boolean(), leaves: fc.boolean(), bodySize: fc.integer({ min: 1, max: 65536 }) }), { minLength: 1, maxLength: 4 }),
  cancelOnDisconnect: fc.boolean(),
  // Rare: each such run lasts the whole (short) deadline.
  stuck: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/** One client's side of a run. */
interface Client {
  readonly socket: Socket;
  raw: string;
  closed: boolean;
  /** The request was written while the connection was open, and before cleanup() was called. */
  sentBeforeCleanup: boolean;
  sent: boolean;
  left: boolean;
}

/** The server's side of one request. */
interface HandlerFate {
  runs: number;
  /** cleanup() had been called when the handler returned. */
  returnedClosing: boolean | undefined;
  cancelled: string | undefined;
}

function bodyFor(id: number, size: number): string {
  return String.fromCharCode(97 + id).repeat(size);
}

/** Reads one HTTP/1.1 response with a Content-Length off `raw`: null when none or incomplete. */
function parseResponse(raw: string): { status: number; headers: string; body: string; rest: string } | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const head = raw.slice(0, end);
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(head);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (status === null || length === null) return null;
  const n = Number(length[1]);
  const body = raw.slice(end + 4, end + 4 + n);
  if (body.length < n) return null;
  return { status: Number(status[1]), headers: head, body, rest: raw.slice(end + 4 + n) };
}

/**
 * Runs `action` when the scheduler picks it. (`scheduleFunction` would call
 * it at once and only delay its result: the actions would run in the order
 * they were written.)
 */
function act(s: fc.Scheduler, label: string, action: () => void): void {
  void s.schedule(Promise.resolve(), label).then(action);
}

/** What the runs covered, told as the test's diagnostics (so a property that never reaches a case shows it). */
const seen = {
  runs: 0, requests: 0, answered: 0, answeredClose: 0, startedAfterCleanup: 0, sentAfterCleanup: 0, notTaken: 0, left: 0, cancelledByDeadline: 0, cancelledByLeaving: 0,
};

async function runOnce(s: fc.Scheduler, plan: Plan): Promise<void> {
  errors.length = 0;
  seen.runs++;
  const lifecycle: string[] = [];
  const fates = plan.clients.map((): HandlerFate => ({ runs: 0, returnedClosing: undefined, cancelled: undefined }));
  let cleaning: Promise<void> | undefined;
  let cleaned = false;
  let probe: Promise<string> | undefined;
  const clients: Client[] = [];

  const app = new web.Application();
  app.onShutdown.push(async () => void lifecycle.push('shutdown'));
  app.onCleanup.push(async () => void lifecycle.push('cleanup'));
  app.router.addGet('/warm', async () => new web.Response({ text: 'warm' }));
  app.router.addGet('/r/{id}', async (request) => {
    const id = Number(request.matchInfo.id);
    const mine = plan.clients[id] as ClientPlan;
    const fate = fates[id] as HandlerFate;
    fate.runs++;
    if (cleaning !== undefined) seen.startedAfterCleanup++;
    if (mine.leaves) {
      act(s, `client ${id} leaves`, () => {
        const c = clients[id] as Client;
        c.left = true;
        c.socket.destroy();
      });
    }
    // Waited on through an aiots Event, so that a cancellation (the client
    // left under handlerCancellation, or the deadline) reaches the handler.
    const release = new Event();
    if (!(plan.stuck && id === 0)) act(s, `handler ${id} done`, () => release.set());
    try {
      await release.wait();
    } catch (e) {
      fate.cancelled = e instanceof CancelledError ? e.message : `not a cancellation: ${String(e)}`;
      throw e;
    }
    fate.returnedClosing = cleaning !== undefined;
    return new web.Response({ text: bodyFor(id, mine.bodySize) });
  });
  const runner = new web.AppRunner(app, {
    accessLog: null,
    shutdownTimeout: plan.stuck ? SHUTDOWN_TIMEOUT_STUCK : SHUTDOWN_TIMEOUT,
    handlerCancellation: plan.cancelOnDisconnect,
    errorLog: (message) => void errors.push(`errorLog: ${message}`),
  });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  const port = site.port;

  try {
    for (const [id, p] of plan.clients.entries()) {
      const socket = await openSocket(port);
      const c: Client = { socket, raw: '', closed: false, sentBeforeCleanup: false, sent: false, left: false };
      clients.push(c);
      socket.on('error', () => {});
      socket.on('close', () => void (c.closed = true));
      if (p.kept) {
        socket.write('GET /warm HTTP/1.1\r\nHost: x\r\n\r\n');
        let warm = '';
        await new Promise<void>((resolve) => {
          const onData = (d: Buffer): void => {
            warm += d.toString('latin1');
            if (warm.endsWith('\r\n\r\nwarm')) {
              socket.off('data', onData);
              resolve();
            }
          };
          socket.on('data', onData);
        });
      }
      socket.on('data', (d: Buffer) => void (c.raw += d.toString('latin1')));
      act(s, `client ${id} sends`, () => {
        if (socket.destroyed || socket.writableEnded || c.closed) return;
        c.sent = true;
        c.sentBeforeCleanup = cleaning === undefined;
        socket.write(`GET /r/${id} HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
    }
    act(s, 'runner.cleanup()', () => {
      cleaning = runner.cleanup();
      void cleaning.then(() => void (cleaned = true));
      probe = site._drained().then(() => tryConnect(port));
    });

    // The handlers' awaits are scheduled only once their requests arrive
    // over TCP: release what is scheduled, else let the I/O run, until the
    // shutdown is over and every client's connection closed.
    const guard = performance.now() + 15_000;
    while (!(cleaned && clients.every((c) => c.closed) && s.count() === 0)) {
      assert.ok(performance.now() < guard, `hang: cleanup ${cleaning === undefined ? 'not called' : cleaned ? 'done' : 'pending'}, open clients ${clients.filter((c) => !c.closed).length}, scheduled ${s.count()}`);
      if (s.count() > 0) {
        await s.waitOne();
        // A turn of the event loop, so that what the step wrote is read
        // (the server's poll) before the scheduler picks the next step.
        await new Promise((resolve) => setImmediate(resolve));
      } else {
        await sleep(0.001);
      }
    }

    assert.deepEqual(lifecycle, ['shutdown', 'cleanup'], 'onShutdown then onCleanup, each once');
    assert.equal(await probe, 'ECONNREFUSED', 'a connection opened after the drain is refused');
    for (const [id, c] of clients.entries()) {
      const p = plan.clients[id] as ClientPlan;
      const fate = fates[id] as HandlerFate;
      const what = `client ${id} ${JSON.stringify({ ...p, ...fate, sent: c.sent, sentBeforeCleanup: c.sentBeforeCleanup, left: c.left, raw: c.raw.slice(0, 200) })}`;
      assert.ok(fate.runs <= 1, `${what}: the handler ran once at most`);
      if (fate.cancelled !== undefined && !/shutdown timeout/.test(fate.cancelled)) {
        assert.ok(c.left && plan.cancelOnDisconnect, `${what}: cancelled only by the deadline or, under handlerCancellation, by its client leaving`);
      }
      if (!c.sent) assert.equal(fate.runs, 0, what);
      if (c.sent) seen.requests++;
      if (c.sent && !c.sentBeforeCleanup) seen.sentAfterCleanup++;
      if (c.sent && fate.runs === 0) seen.notTaken++;
      if (c.left) seen.left++;
      if (fate.cancelled !== undefined && /shutdown timeout/.test(fate.cancelled)) seen.cancelledByDeadline++;
      else if (fate.cancelled !== undefined) seen.cancelledByLeaving++;
      const answer = parseResponse(c.raw);
      if (answer !== null) {
        seen.answered++;
        if (/\r\nConnection: close(\r\n|$)/i.test(answer.headers)) seen.answeredClose++;
        // Answered, once, whole and as the handler made it.
        assert.equal(fate.runs, 1, `${what}: an answer with no handler run`);
        assert.equal(answer.status, 200, what);
        assert.equal(answer.body, bodyFor(id, p.bodySize), `${what}: the body`);
        assert.equal(answer.rest, '', `${what}: nothing after the answer`);
        if (fate.returnedClosing === true) assert.match(answer.headers, /\r\nConnection: close(\r\n|$)/i, `${what}: Connection: close`);
        continue;
      }
      if (c.left) continue;
      // Not answered and the client stayed: only the deadline may have cut it.
      if (fate.runs === 1) {
        assert.ok(fate.cancelled !== undefined && /shutdown timeout/.test(fate.cancelled), `${what}: a handler that started is answered or cut by shutdownTimeout`);
      }
      // Written before shutdown began, on an open connection: it is served.
      assert.ok(!c.sentBeforeCleanup || fate.cancelled !== undefined, `${what}: a request written before cleanup() is served`);
      assert.equal(c.raw, '', `${what}: no partial answer`);
    }
    assert.deepEqual(errors, [], 'nothing unhandled, nothing logged at error level');
  } finally {
    for (const c of clients) c.socket.destroy();
    await runner.cleanup();
  }
}

test('shutdown racing requests, handlers and leaving clients, in every scheduled order, keeps what lifecycle.md promises', async (t) => {
  await checkProperty(import.meta.filename, 'shutdown races', fc.asyncProperty(fc.scheduler(), planArb, runOnce), 300);
  t.diagnostic(JSON.stringify(seen));
  // Each kind of fate was reached, or the property proves less than it says.
  if (seen.runs >= 300) for (const [k, v] of Object.entries(seen)) assert.ok(v > 0, `no run reached ${k}`);
});
