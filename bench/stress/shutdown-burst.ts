/**
 * What a burst of connections still waiting to be accepted gets at SIGTERM.
 *
 * A `runApp` server (its own process, 127.0.0.1, ephemeral port) serves
 * `GET /` after sleeping `--sleep` seconds (the seed's 0.5 s by default).
 * `--clients` client processes open `--connections` connections between them
 * as fast as they can, each writing one `GET` as soon as it is connected.
 * `--delay-ms` after the last of them is connected (client side: the SYN-ACK
 * came back), the server gets SIGTERM. The server prints how many connections
 * it accepted, and how many of them after SIGTERM. Each connection ends as one of:
 *
 * - completed: a whole response with status 200
 * - 503: a whole response with status 503 (a polite refusal; aiots serves
 *   what it accepts while shutting down, so it is counted in case)
 * - other: a whole response with another status
 * - cut: part of a response, then the connection closed
 * - reset: ECONNRESET / EPIPE, no response byte
 * - closed: the server closed the connection without a response byte
 * - refused: the connect itself failed (ECONNREFUSED)
 * - hung: nothing at all before the client's deadline
 *
 * "reset", "closed" and "hung" are the ones with no answer at all.
 *
 *   cd bench && node --import tsx stress/shutdown-burst.ts --connections 10000 [--clients 4] [--sleep 0.5] [--delay-ms 100] [--backlog N] [--src DIR]
 *
 * `--src` serves another checkout's `src/` (e.g. the commit before a change:
 * `git archive COMMIT src | tar -x -C /tmp/before`, `ln -s $PWD/node_modules
 * /tmp/before/node_modules` from the repository's root, then `--src /tmp/before/src`).
 *
 * The file limit: each process is started by `sh -c 'ulimit -n ...'` with the
 * hard limit (20,000 in the container these figures come from: the server
 * cannot hold more than about that many sockets, whatever aiots does).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '4' },
    sleep: { type: 'string', default: '0.5' },
    'delay-ms': { type: 'string', default: '100' },
    backlog: { type: 'string' },
    'shutdown-timeout': { type: 'string', default: '30' },
    // Another checkout's src/ (the figures "before" come from the parent commit's).
    src: { type: 'string' },
    // Internal: this file run as one client process.
    client: { type: 'boolean', default: false },
    port: { type: 'string' },
    count: { type: 'string' },
  },
});

const FATES = ['completed', '503', 'other', 'cut', 'reset', 'closed', 'refused', 'hung'] as const;
type Fate = (typeof FATES)[number];
type Counts = Record<Fate, number>;

if (opts.client) await runClient(Number(opts.port), Number(opts.count));
else await main();

/** One client process: `count` connections, each one GET; reports its fates over IPC. */
async function runClient(port: number, count: number): Promise<void> {
  const counts = Object.fromEntries(FATES.map((f) => [f, 0])) as Counts;
  // When each connection without an answer ended (epoch ms): before or after SIGTERM?
  const lostAt: number[] = [];
  let settled = 0;
  let connected = 0;
  const sockets = new Set<Socket>();
  const report = (): void => void process.send?.({ kind: 'done', counts, lostAt });
  const settle = (fate: Fate): void => {
    counts[fate]++;
    if (++settled === count) report();
  };
  const connectedOne = (): void => {
    if (++connected === count) process.send?.({ kind: 'connected' });
  };
  let go: () => void = () => {};
  const started = new Promise<void>((resolve) => (go = resolve));
  process.on('message', (m: { kind: string }) => {
    // Every client process starts its burst at once, once all are loaded.
    if (m.kind === 'go') go();
    // The coordinator's deadline: whatever is still open got no answer.
    if (m.kind === 'deadline') for (const s of sockets) s.emit('hang');
  });
  process.send?.({ kind: 'ready' });
  await started;
  for (let i = 0; i < count; i++) {
    const s = connect({ port, host: '127.0.0.1' });
    sockets.add(s);
    let isConnected = false;
    let done = false;
    let head = '';
    let bodyLeft = -1;
    let status = 0;
    let bytes = 0;
    const finish = (fate: Fate): void => {
      if (done) return;
      done = true;
      if (fate === 'reset' || fate === 'closed' || fate === 'hung') lostAt.push(Date.now());
      sockets.delete(s);
      s.destroy();
      if (!isConnected) connectedOne();
      settle(fate);
    };
    s.setNoDelay(true);
    s.on('connect', () => {
      isConnected = true;
      connectedOne();
      s.write('GET / HTTP/1.1\r\nHost: bench\r\n\r\n');
    });
    s.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bodyLeft === -1) {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        status = Number(head.slice(9, 12));
        const len = /\r\ncontent-length: *(\d+)/i.exec(head.slice(0, end));
        bodyLeft = Number(len?.[1] ?? 0) - (head.length - end - 4);
      } else {
        bodyLeft -= d.length;
      }
      if (bodyLeft <= 0) finish(status === 200 ? 'completed' : status === 503 ? '503' : 'other');
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (!isConnected && e.code === 'ECONNREFUSED') finish('refused');
      else finish(bytes > 0 ? 'cut' : 'reset');
    });
    s.on('close', () => finish(bytes > 0 ? 'cut' : 'closed'));
    s.on('hang', () => finish(bytes > 0 ? 'cut' : 'hung'));
  }
  await new Promise<void>((resolve) => process.on('disconnect', resolve));
}

/** The file limit each process is started with: as high as the hard limit lets. */
function shell(cmd: string[], pipeErr = false): ChildProcess {
  const quoted = cmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('sh', ['-c', `ulimit -n "$(ulimit -Hn)"; exec ${quoted}`], { stdio: ['ignore', 'pipe', pipeErr ? 'pipe' : 'inherit', 'ipc'] });
}

async function main(): Promise<void> {
  const N = Number(opts.connections);
  const K = Math.max(1, Math.min(Number(opts.clients), N));
  const delayMs = Number(opts['delay-ms']);
  const src = opts.src ?? fileURLToPath(new URL('../../src', import.meta.url));
  const web = join(src, 'web', 'index.ts');
  const core = join(src, 'index.ts');
  const dir = mkdtempSync(join(tmpdir(), 'aiots-burst-'));
  const file = join(dir, 'server.mts');
  const backlog = opts.backlog === undefined ? '' : `backlog: ${Number(opts.backlog)},`;
  writeFileSync(file, `import * as web from ${JSON.stringify(web)};
import { sleep } from ${JSON.stringify(core)};
import { subscribe } from 'node:diagnostics_channel';
// The server's side: connections accepted before and after SIGTERM, and requests answered after it.
let accepted = 0;
let acceptedAfter = 0;
let term = false;
subscribe('net.server.socket', () => { accepted++; if (term) acceptedAfter++; });
process.prependListener('SIGTERM', () => { term = true; });
const app = new web.Application();
app.onCleanup.push(async () => { console.error('[server] accepted ' + accepted + ', of them after SIGTERM ' + acceptedAfter); });
app.router.addGet('/', async () => { await sleep(${Number(opts.sleep)}); return new web.Response({ text: 'ok' }); });
web.runApp(app, { host: '127.0.0.1', port: 0, accessLog: null, shutdownTimeout: ${Number(opts['shutdown-timeout'])}, ${backlog} });
`);
  const server = shell([process.execPath, '--import', 'tsx', file], true);
  let serverLog = '';
  server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString()));
  const serverExit = once(server, 'exit') as Promise<[number | null, string | null]>;
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void serverExit.then(([code]) => reject(new Error(`server exited with ${code}`)));
  });

  const self = fileURLToPath(import.meta.url);
  const clients: ChildProcess[] = [];
  const ready: Promise<unknown>[] = [];
  const connected: Promise<unknown>[] = [];
  const results: Promise<Counts & { lostAt: number[] }>[] = [];
  for (let i = 0; i < K; i++) {
    const count = Math.floor(N / K) + (i < N % K ? 1 : 0);
    const c = shell([process.execPath, '--import', 'tsx', self, '--client', '--port', String(port), '--count', String(count)]);
    clients.push(c);
    ready.push(new Promise<void>((resolve) => c.on('message', (m: { kind: string }) => m.kind === 'ready' && resolve())));
    connected.push(new Promise<void>((resolve) => c.on('message', (m: { kind: string }) => m.kind === 'connected' && resolve())));
    results.push(new Promise<Counts & { lostAt: number[] }>((resolve) => c.on('message', (m: { kind: string; counts: Counts; lostAt: number[] }) => m.kind === 'done' && resolve({ ...m.counts, lostAt: m.lostAt }))));
  }
  await Promise.all(ready);
  for (const c of clients) c.send({ kind: 'go' });
  const t0 = performance.now();
  await Promise.all(connected);
  const tConnected = performance.now();
  await new Promise((r) => setTimeout(r, delayMs));
  server.kill('SIGTERM');
  const tTerm = performance.now();
  const termAt = Date.now();
  // A hang guard, far past shutdownTimeout: whatever has no answer by then never will.
  const deadline = setTimeout(() => {
    for (const c of clients) c.send({ kind: 'deadline' });
  }, (Number(opts['shutdown-timeout']) + 15) * 1000);
  const all = await Promise.all(results);
  clearTimeout(deadline);
  const [code, signal] = await serverExit;
  const tExit = performance.now();
  for (const c of clients) c.disconnect();
  rmSync(dir, { recursive: true, force: true });

  const total = Object.fromEntries(FATES.map((f) => [f, all.reduce((a, c) => a + c[f], 0)])) as Counts;
  const noAnswer = total.reset + total.closed + total.hung;
  const lostBefore = all.reduce((a, c) => a + c.lostAt.filter((t) => t < termAt).length, 0);
  console.log(`connections ${N} (${K} client processes), handler sleep ${opts.sleep} s, SIGTERM ${delayMs} ms after the last connect${opts.backlog === undefined ? '' : `, backlog ${opts.backlog}`}, src ${src}`);
  console.log(`all connected after ${((tConnected - t0) / 1000).toFixed(2)} s; server exit ${code ?? signal} ${((tExit - tTerm) / 1000).toFixed(2)} s after SIGTERM`);
  console.log(FATES.map((f) => `${f} ${total[f]}`).join(', ') + `; no answer at all: ${noAnswer} (${lostBefore} of them before SIGTERM)`);
  if (serverLog !== '') console.log(serverLog.trim());
  console.log(JSON.stringify({ connections: N, ...total, noAnswer, lostBeforeSigterm: lostBefore, exit: code ?? signal, exitSeconds: Number(((tExit - tTerm) / 1000).toFixed(2)) }));
}
