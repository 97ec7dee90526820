// The shared harness of the hostile-corpus tests: one aiots server on
// 127.0.0.1, raw bytes sent over `node:net`, and after every case the checks
// that hold whatever the client sent (the server still serves, nothing went
// uncaught, no socket left open, nothing logged at error level).
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect, type Socket } from 'node:net';
import { getEventLoop, type ExceptionContext } from '../../src/index.js';
import { TestServer } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';

/** What the client sees, in order: the status of each response, then `'close'` when the server must close the connection. */
export type Fate = readonly (number | 'close')[];

/** One handler call, as the handler saw it. */
export interface Call {
  readonly method: string;
  /** Path and query as received (`request.relUrl`). */
  readonly url: string;
  /** The body, latin1 (Content-Length or chunks decoded). */
  readonly body: string;
}

/** What the server does with a case (on one Node major, or on all). */
export interface Outcome {
  readonly fate: Fate;
  /** Handler calls expected; none when omitted (a refused request never reaches a handler). */
  readonly calls?: readonly Call[];
}

/** One corpus case: raw bytes and their expected fate, with where they come from. */
export interface Case extends Outcome {
  /** Repository, file and case title of the original. */
  readonly source: string;
  /** The bytes (a string is taken as latin1); an array is sent one write per element. */
  readonly send: string | Buffer | readonly (string | Buffer)[];
  /** Why the expected fate is what it is, when it is not plain. */
  readonly note?: string;
  /** Where a Node major differs from `fate`/`calls`. */
  readonly byNode?: Readonly<Partial<Record<20 | 24 | 26, Outcome>>>;
  /**
   * After the expected responses of a connection left open: `'probe'` (the
   * default) sends a good request on the same connection, which must be the
   * next thing answered (so no request hid behind the case's bytes); `'end'`
   * closes the client side instead (for a case that leaves a partial request
   * in the parser).
   */
  readonly then?: 'probe' | 'end';
}

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
// Hang guards only: every wait ends on an event; these fail a case that never ends.
const HANG_GUARD_MS = 8000;
const PROBE = 'GET /__probe HTTP/1.1\r\nHost: probe\r\n\r\n';

/** The outcome of `c` on this Node. */
export function outcomeOf(c: Case): Required<Outcome> {
  const o = c.byNode?.[NODE_MAJOR as 20 | 24 | 26] ?? c;
  return { fate: o.fate, calls: o.calls ?? [] };
}

/** A running corpus server and what it saw. */
export interface CorpusServer {
  readonly port: number;
  readonly server: TestServer;
  /** Handler calls since the last case began. */
  readonly calls: Call[];
  /** Error-level log lines and uncaught errors since the server started. */
  readonly errors: string[];
  /** Server-side sockets open now. */
  readonly open: Set<Socket>;
  close(): Promise<void>;
}

/**
 * Start the server every corpus file uses: any method on any path records
 * the call and answers 200 with the body length; `/__probe` answers 200
 * without being recorded.
 */
export async function startCorpusServer(options?: web.RunnerOptions): Promise<CorpusServer> {
  const calls: Call[] = [];
  const errors: string[] = [];
  const open = new Set<Socket>();
  const app = new web.Application();
  app.router.addGet('/__probe', async () => new web.Response({ text: 'probe', headers: { 'X-Probe': '1' } }));
  const record = async (request: web.Request): Promise<web.Response> => {
    const body = await request.read();
    calls.push({ method: request.method, url: request.relUrl, body: body.toString('latin1') });
    return new web.Response({ text: `${request.method} ${request.relUrl} ${body.length}` });
  };
  app.router.addRoute('*', '/{tail:.*}', record);
  const server = new TestServer(app, { errorLog: (message) => errors.push(`errorLog: ${message}`), ...options });
  await server.start();
  const port = server.port;
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    if (socket.localPort !== port) return;
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  subscribe('net.server.socket', onSocket);
  const onUncaught = (e: unknown): void => {
    errors.push(`uncaught: ${String(e)}`);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const loop = getEventLoop();
  const previous = loop.getExceptionHandler();
  loop.setExceptionHandler((context: ExceptionContext) => {
    errors.push(`reported: ${context.message}`);
  });
  return {
    port,
    server,
    calls,
    errors,
    open,
    async close() {
      unsubscribe('net.server.socket', onSocket);
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
      loop.setExceptionHandler(previous);
      await server.close();
    },
  };
}

/** What came back on one connection. */
interface Seen {
  statuses: number[];
  /** Whether the last response seen was the probe's. */
  probed: boolean;
  closed: boolean;
}

/**
 * Reads responses off `socket` as they come: heads, then a Content-Length
 * body, a chunked body, or (no length) everything up to the close.
 */
class ResponseReader {
  readonly seen: Seen = { statuses: [], probed: false, closed: false };
  #buf = Buffer.alloc(0);
  #waiters: (() => void)[] = [];

  constructor(socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#parse();
    });
    const closed = (): void => {
      this.seen.closed = true;
      this.#wake();
    };
    socket.on('close', closed);
    // A reset after the server answered and closed: the close is what counts.
    socket.on('error', () => undefined);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #parse(): void {
    for (;;) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = this.#buf.subarray(0, end).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      assert.ok(m !== null, `not an HTTP response: ${JSON.stringify(head.slice(0, 80))}`);
      const status = Number(m[1]);
      let rest = this.#buf.subarray(end + 4);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (length !== null) {
        const n = Number(length[1]);
        if (rest.length < n) return;
        rest = rest.subarray(n);
      } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
        const last = rest.indexOf('0\r\n\r\n');
        if (last === -1) return;
        rest = rest.subarray(last + 5);
      } else if (status >= 200 && status !== 204 && status !== 304) {
        // Delimited by the close: the rest of the stream is its body.
        rest = Buffer.alloc(0);
      }
      this.seen.statuses.push(status);
      this.seen.probed = /\r\nx-probe: 1/i.test(head);
      this.#buf = rest;
      this.#wake();
    }
  }

  /** Resolves when `done()` holds, or fails at the hang guard. */
  async until(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + HANG_GUARD_MS;
    while (!done()) {
      if (this.seen.closed) return;
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`hang guard: ${what} (seen ${JSON.stringify(this.seen)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', noDelay: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function write(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    // A write the server refuses by closing is part of the case, not an error.
    socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () => resolve());
  });
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`hang guard: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Send `c` to `srv` and check its fate, its handler calls, and that the server is as it was. */
export async function runCase(srv: CorpusServer, c: Case): Promise<void> {
  srv.calls.length = 0;
  const expected = outcomeOf(c);
  const wantClose = expected.fate.at(-1) === 'close';
  const wantStatuses = expected.fate.filter((f): f is number => f !== 'close');
  const socket = await connectTo(srv.port);
  const reader = new ResponseReader(socket);
  try {
    const parts = typeof c.send === 'string' || Buffer.isBuffer(c.send) ? [c.send] : c.send;
    for (const [i, part] of parts.entries()) {
      // Fragments go out as separate segments: the server reads between them.
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      await write(socket, part);
    }
    const seen = reader.seen;
    if (wantClose) {
      await reader.until(() => false, 'the server never closed the connection');
      assert.deepEqual(seen.statuses, wantStatuses, `responses: saw ${JSON.stringify(seen)}`);
      assert.ok(seen.closed);
    } else {
      await reader.until(() => seen.statuses.length >= wantStatuses.length, `${wantStatuses.length} responses`);
      assert.deepEqual(seen.statuses, wantStatuses, `responses: saw ${JSON.stringify(seen)}`);
      assert.ok(!seen.closed || c.then === 'end', 'the server closed a connection it should have kept');
      if (c.then !== 'end') {
        await write(socket, PROBE);
        await reader.until(() => seen.statuses.length > wantStatuses.length, 'the probe on the same connection');
        assert.deepEqual(seen.statuses, [...wantStatuses, 200], `responses then the probe: saw ${JSON.stringify(seen)}`);
        assert.ok(seen.probed, 'a request hidden in the case was answered before the probe');
      }
    }
    assert.deepEqual(srv.calls, expected.calls, `handler calls: saw ${JSON.stringify(srv.calls)}`);
  } finally {
    socket.destroy();
  }
  await waitFor(() => srv.open.size === 0, 'a server-side socket stayed open');
  await assertStillServes(srv);
  assert.deepEqual(srv.errors, [], 'nothing logged at error level, nothing uncaught');
}

/** A good request on a new connection gets its 200. */
export async function assertStillServes(srv: CorpusServer): Promise<void> {
  const socket = await connectTo(srv.port);
  const reader = new ResponseReader(socket);
  try {
    await write(socket, 'GET /__probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await reader.until(() => false, 'the good request');
    assert.deepEqual(reader.seen.statuses, [200], 'the server no longer serves');
  } finally {
    socket.destroy();
  }
  await waitFor(() => srv.open.size === 0, 'the good request left its socket open');
}
