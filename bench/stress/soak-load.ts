/**
 * The soak's load process, started by `soak.ts` with an IPC channel, so the
 * server's process holds only the server. Four kinds of client, all on
 * 127.0.0.1:
 *
 * - `--connections` raw keep-alive sockets, each looping the seed's two
 *   requests (`GET /`, `GET /hello/{name}`) one after the other. After a
 *   response, with probability `--churn`, the socket goes and a new one
 *   takes its place, in turn in one of three ways: the next request asks
 *   `Connection: close`; the client ends the socket; or the client sends a
 *   request and leaves while its handler sleeps (a cancelled handler).
 * - `--sessions` loops through one aiots `ClientSession`.
 * - `--ws` WebSocket echo clients through the same session's `wsConnect()`,
 *   each sending a 1 KiB text every `--ws-pause` seconds, checking the echo,
 *   and reconnecting after `--ws-messages` messages.
 *
 * It answers `{ cmd: 'counts' }` with its counters; `{ cmd: 'stop' }` lets
 * every client finish what it is doing, closes everything, sends the final
 * counters and exits.
 * @module
 */
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { sleep } from '../../src/index.js';
import { ClientSession, WSMsgType, type ClientWebSocketResponse } from '../../src/client/index.js';

export interface LoadCounts {
  readonly type: 'counts';
  final: boolean;
  /** Raw keep-alive sockets: complete 200 answers with the seed's body. */
  httpOk: number;
  /** Answers with another status or body. */
  httpBad: number;
  /** Sockets that failed or closed while an answer was owed (not one the client left on purpose). */
  httpErrors: number;
  connectionsOpened: number;
  churnClose: number;
  churnEnd: number;
  churnAbandon: number;
  sessionOk: number;
  sessionBad: number;
  sessionErrors: number;
  wsOpened: number;
  wsEchoes: number;
  wsBad: number;
  wsErrors: number;
  /** The first distinct error messages, for the report. */
  errorSamples: string[];
}

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string' },
    connections: { type: 'string', default: '1000' },
    churn: { type: 'string', default: '0.02' },
    sessions: { type: 'string', default: '20' },
    ws: { type: 'string', default: '50' },
    'ws-pause': { type: 'string', default: '0.1' },
    'ws-messages': { type: 'string', default: '200' },
    // Connections opened at once while ramping up: a burst of 1,000 would overflow the listen queue.
    parallel: { type: 'string', default: '100' },
  },
});

function num(name: string, min: number): number {
  const raw = (opts as Record<string, string | undefined>)[name];
  const n = Number(raw);
  if (raw === undefined || !Number.isFinite(n) || n < min) throw new RangeError(`soak-load: --${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}
const PORT = num('port', 1);
const CONNECTIONS = num('connections', 0);
const CHURN = num('churn', 0);
const SESSIONS = num('sessions', 0);
const WS = num('ws', 0);
const WS_PAUSE = num('ws-pause', 0);
const WS_MESSAGES = num('ws-messages', 1);
const PARALLEL = num('parallel', 1);
if (process.send === undefined) throw new Error('soak-load: started without an IPC channel; run soak.ts');
const send = process.send.bind(process);

const counts: LoadCounts = {
  type: 'counts', final: false, httpOk: 0, httpBad: 0, httpErrors: 0, connectionsOpened: 0, churnClose: 0, churnEnd: 0, churnAbandon: 0,
  sessionOk: 0, sessionBad: 0, sessionErrors: 0, wsOpened: 0, wsEchoes: 0, wsBad: 0, wsErrors: 0, errorSamples: [],
};
function noteError(where: string, err: unknown): void {
  const text = `${where}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  if (counts.errorSamples.length < 20 && !counts.errorSamples.includes(text)) counts.errorSamples.push(text);
}

let stopping = false;
const HEAD_END = '\r\n\r\n';

/**
 * One raw keep-alive client slot: a socket looping the seed's requests, put
 * back by a fresh socket whenever it churns, until the load stops.
 */
function runSlot(slot: number): Promise<void> {
  let churnTurn = slot;
  let seq = 0;
  return new Promise<void>((slotDone) => {
    function open(): void {
      if (stopping) { slotDone(); return; }
      const sock: Socket = connect(PORT, '127.0.0.1');
      counts.connectionsOpened++;
      let buf = '';
      let owed = false; // an answer is owed on this socket
      let leaving = false; // the client closes this socket on purpose
      let closeAsked = false;
      sock.setEncoding('latin1');
      sock.setNoDelay(true);

      function request(): void {
        if (stopping) { leaving = true; sock.end(); return; }
        // Churn, decided before the request: which way this socket goes.
        let how: 'close' | 'abandon' | null = null;
        if (CHURN > 0 && Math.random() < CHURN) {
          const kinds = ['close', 'end', 'abandon'] as const;
          const k = kinds[churnTurn++ % 3]!;
          if (k === 'end') {
            counts.churnEnd++;
            leaving = true;
            sock.end();
            return;
          }
          how = k;
        }
        seq++;
        const path = seq % 2 === 0 ? '/' : `/hello/c${slot}`;
        closeAsked = how === 'close';
        if (how === 'close') counts.churnClose++;
        sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\n${closeAsked ? 'Connection: close\r\n' : ''}\r\n`);
        owed = true;
        if (how === 'abandon') {
          counts.churnAbandon++;
          // Leave while the handler sleeps its 0.5 s.
          setTimeout(() => { leaving = true; sock.destroy(); }, 100 + Math.random() * 300);
        }
      }

      sock.on('connect', request);
      sock.on('data', (chunk: string) => {
        buf += chunk;
        for (;;) {
          const h = buf.indexOf(HEAD_END);
          if (h === -1) return;
          const head = buf.slice(0, h);
          const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1);
          if (len < 0) { counts.httpBad++; noteError('http', new Error(`no content-length: ${head.slice(0, 80)}`)); leaving = true; sock.destroy(); return; }
          if (buf.length < h + 4 + len) return;
          const body = buf.slice(h + 4, h + 4 + len);
          buf = buf.slice(h + 4 + len);
          owed = false;
          if (head.startsWith('HTTP/1.1 200 ') && (body === '<h1>Index</h1>' || body === `<h1>hello, c${slot}!</h1>`)) counts.httpOk++;
          else { counts.httpBad++; noteError('http', new Error(`unexpected answer: ${head.slice(0, 40)} ${body.slice(0, 40)}`)); }
          if (closeAsked) { leaving = true; return; } // the server closes it
          request();
        }
      });
      sock.on('error', (err) => { if (!leaving) noteError('http', err); });
      sock.on('close', () => {
        if (owed && !leaving) counts.httpErrors++;
        else if (!leaving && !stopping) { counts.httpErrors++; noteError('http', new Error('closed by the server between requests')); }
        // A socket that failed waits a little, so a server gone does not make a busy loop.
        if (leaving) open();
        else setTimeout(open, 200);
      });
    }
    open();
  });
}

async function runSessionLoop(session: ClientSession, i: number): Promise<void> {
  let n = 0;
  while (!stopping) {
    n++;
    const path = n % 2 === 0 ? '/' : `/hello/s${i}`;
    try {
      const resp = await session.get(`http://127.0.0.1:${PORT}${path}`);
      const text = await resp.text();
      if (resp.status === 200 && (text === '<h1>Index</h1>' || text === `<h1>hello, s${i}!</h1>`)) counts.sessionOk++;
      else { counts.sessionBad++; noteError('session', new Error(`unexpected answer: ${resp.status} ${text.slice(0, 40)}`)); }
    } catch (err) {
      counts.sessionErrors++;
      noteError('session', err);
      await sleep(0.5);
    }
  }
}

async function runWsLoop(session: ClientSession, i: number): Promise<void> {
  const payload = `${String(i).padStart(6, '0')}${'w'.repeat(1018)}`;
  while (!stopping) {
    let ws: ClientWebSocketResponse | undefined;
    try {
      ws = await session.wsConnect(`ws://127.0.0.1:${PORT}/echo`);
      counts.wsOpened++;
      for (let m = 0; m < WS_MESSAGES && !stopping; m++) {
        await ws.sendStr(payload);
        const msg = await ws.receive();
        if (msg.type === WSMsgType.TEXT && msg.data === payload) counts.wsEchoes++;
        else { counts.wsBad++; noteError('ws', new Error(`unexpected message of type ${msg.type}`)); break; }
        if (WS_PAUSE > 0) await sleep(WS_PAUSE);
      }
      await ws.close();
    } catch (err) {
      counts.wsErrors++;
      noteError('ws', err);
      if (ws !== undefined && !ws.closed) await ws.close().catch(() => undefined);
      await sleep(0.5);
    }
  }
}

const session = new ClientSession();
const slots: Promise<void>[] = [];
// Ramp up PARALLEL connections at a time, a few milliseconds apart.
for (let i = 0; i < CONNECTIONS; i++) {
  slots.push(runSlot(i));
  if (i % PARALLEL === PARALLEL - 1) await sleep(0.05);
}
const loops = [
  ...Array.from({ length: SESSIONS }, (_, i) => runSessionLoop(session, i)),
  ...Array.from({ length: WS }, (_, i) => runWsLoop(session, i)),
];

process.on('message', (m: { cmd?: string }) => {
  if (m.cmd === 'counts') send(counts);
  else if (m.cmd === 'stop' && !stopping) {
    stopping = true;
    void (async () => {
      await Promise.all([...slots, ...loops]);
      await session.close();
      counts.final = true;
      send(counts, () => process.exit(0));
    })();
  }
});
send({ type: 'started' });
