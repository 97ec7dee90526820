/**
 * The load generator of the shutdown benchmarks, run as a child process so
 * that it has its own event loop and file descriptors: `connections` raw
 * keep-alive sockets, each looping `GET` requests one at a time, and a tiny
 * HTTP/1.1 response parser (Content-Length bodies only: what aiots and nginx
 * send here) so that every request's fate is counted exactly.
 *
 * Driven over IPC by its parent:
 *   parent → child  { type: 'sigterm' }  the server was just signalled; from now
 *                                       on a refused connect ends its slot
 *                   { type: 'stop' }     finish the requests in flight, send no more
 *   child → parent  { type: 'ready' }    every slot connected once
 *                   { type: 'report', report: LoadReport }  then the child exits
 *
 *   node --import tsx bench/stress/lib/load-client.ts '{"port":8000,"connections":10000}'
 * @module
 */
import { connect, type Socket } from 'node:net';

/** What the parent passes as the JSON argument. */
export interface LoadOptions {
  readonly port: number;
  readonly connections: number;
  /** Connects in progress at once while ramping up (the listen backlog is finite). */
  readonly ramp?: number;
  /** Stop everything after this many seconds, whatever the state (a hang guard). */
  readonly deadline?: number;
  /** Wait a random 0–`think` seconds between a response and the next request on the connection. */
  readonly think?: number;
}

/** What one run saw, counted per request attempt. */
export interface LoadReport {
  /** Requests written on a socket. */
  sent: number;
  /** Full responses received, by status code. */
  statuses: Record<string, number>;
  /** Full responses received before / after the parent said `sigterm`. */
  completedBefore: number;
  completedAfter: number;
  /** Responses that carried `Connection: close`. */
  connectionClose: number;
  /** A request was written and the connection ended without a full response, by cause. */
  resets: Record<string, number>;
  /** Of those, how many after `sigterm`. */
  resetsAfter: number;
  /** Connects that failed, by error code, and how many of those after `sigterm`. */
  connectErrors: Record<string, number>;
  connectErrorsAfter: number;
  /** Connects that succeeded (the first of each slot and every reconnect). */
  connects: number;
  /** The server closed an idle connection (no request outstanding). */
  idleClosed: number;
  /** Responses the parser could not read (chunked, garbage): should be 0. */
  unparsed: number;
  /** Slots still running when the deadline struck (should be 0). */
  hung: number;
  /** Slowest response to a request sent after `sigterm`, in seconds. */
  slowestAfterSigterm: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const RAMP = opts.ramp ?? 200;
const THINK = opts.think ?? 0;
const REQUEST = (i: number): string => `GET /hello/c${i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

const report: LoadReport = {
  sent: 0, statuses: {}, completedBefore: 0, completedAfter: 0, connectionClose: 0,
  resets: {}, resetsAfter: 0, connectErrors: {}, connectErrorsAfter: 0, connects: 0,
  idleClosed: 0, unparsed: 0, hung: 0, slowestAfterSigterm: 0,
};
let signalled = false;
let stopping = false;
let live = 0;
let connectedOnce = 0;
let readySent = false;
let connecting = 0;
const waiting: (() => void)[] = [];

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

/** One slot: a connection that loops requests, reconnecting when the server closes it. */
function slot(i: number): void {
  live++;
  let firstConnect = true;
  const open = (): void => {
    // Ramp: at most RAMP connects in flight, so the listen backlog does not overflow into SYN retries.
    if (connecting >= RAMP) {
      waiting.push(open);
      return;
    }
    connecting++;
    let connected = false;
    let outstanding = false;
    let sentAt = 0;
    let sentAfterSignal = false;
    let buf = '';
    let err = '';
    let told = false;
    const socket: Socket = connect({ port: opts.port, host: '127.0.0.1', noDelay: true });
    socket.setEncoding('latin1');
    const send = (): void => {
      // Thinking, the server closed the connection: the slot has moved on.
      if (socket.destroyed || socket.writableEnded) return;
      outstanding = true;
      sentAt = performance.now();
      sentAfterSignal = signalled;
      report.sent++;
      socket.write(REQUEST(i));
    };
    socket.once('connect', () => {
      connected = true;
      connecting--;
      waiting.shift()?.();
      report.connects++;
      if (firstConnect) {
        firstConnect = false;
        if (++connectedOnce === opts.connections && !readySent) {
          readySent = true;
          process.send?.({ type: 'ready' });
        }
      }
      if (stopping) socket.end();
      else send();
    });
    socket.on('data', (chunk: string) => {
      buf += chunk;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.slice(0, end);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (status === null || length === null || !outstanding) {
          report.unparsed++;
          socket.destroy();
          return;
        }
        const total = end + 4 + Number(length[1]);
        if (buf.length < total) return;
        buf = buf.slice(total);
        outstanding = false;
        bump(report.statuses, status[1]!);
        if (signalled) report.completedAfter++;
        else report.completedBefore++;
        if (sentAfterSignal || signalled) report.slowestAfterSigterm = Math.max(report.slowestAfterSigterm, (performance.now() - sentAt) / 1000);
        if (/\r\nconnection: *close/i.test(head)) {
          report.connectionClose++;
          told = true;
          // The server closes it; the next request goes on a new connection.
          socket.end();
          return;
        }
        if (stopping) {
          socket.end();
          return;
        }
        if (THINK > 0) setTimeout(send, Math.random() * THINK * 1000);
        else send();
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      err = e.code ?? e.message;
    });
    socket.once('close', () => {
      if (!connected) {
        connecting--;
        waiting.shift()?.();
        bump(report.connectErrors, err || 'closed');
        if (signalled) report.connectErrorsAfter++;
        // After SIGTERM a refused connect is the expected end of this slot.
        if (signalled || stopping) return finish();
        // Before it, a transient failure: try again shortly.
        setTimeout(open, 100);
        return;
      }
      if (outstanding) {
        bump(report.resets, err || 'closed without response');
        if (signalled) report.resetsAfter++;
      } else if (!told && !stopping) {
        report.idleClosed++;
      }
      if (stopping) return finish();
      open();
    });
  };
  open();
}

function finish(): void {
  if (--live === 0) done();
}

let reported = false;
function done(): void {
  if (reported) return;
  reported = true;
  report.hung = live;
  process.send?.({ type: 'report', report }, () => process.exit(0));
  if (process.send === undefined) {
    console.log(JSON.stringify(report, null, 2));
    process.exit(0);
  }
}

process.on('message', (m: { type: string }) => {
  if (m.type === 'sigterm') signalled = true;
  if (m.type === 'stop') stopping = true;
});
if (opts.deadline !== undefined) setTimeout(done, opts.deadline * 1000).unref();
for (let i = 0; i < opts.connections; i++) slot(i);
