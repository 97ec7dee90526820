/**
 * The load generator: a separate Node process of `ws` clients, so that the
 * server's process holds only the server. It prints one JSON line per event
 * on stdout.
 *
 *   node load.js --port P --mode echo --connections 100 --warmup 3 --duration 10
 *     closed loop: each connection sends a 1 KiB text message, waits for its
 *     echo, sends the next; `{"event":"echo","messages":N,"seconds":S}` for
 *     the measured window (after the warm-up, on the same connections).
 *   node load.js --port P --mode echo --connections 1 --messages 20000
 *     exactly N echoes in all, then every socket closes (for callgrind).
 *   node load.js --port P --mode broadcast --connections 10000 --rounds 5
 *     opens N idle sockets on /sub, prints `{"event":"open"}`, waits for a
 *     line on stdin (the driver reads the server's memory meanwhile), then
 *     asks GET /broadcast `rounds` times and prints how long until every
 *     socket had the message: `{"event":"broadcast","ms":[...]}`.
 * @module
 */
import { get } from 'node:http';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string' },
    mode: { type: 'string', default: 'echo' },
    connections: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    messages: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    // Handshakes in flight at once: a burst of 10,000 would overflow the listen queue.
    parallel: { type: 'string', default: '200' },
  },
});

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isFinite(n) || n <= 0) throw new RangeError(`load: --${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}
const PORT = positive('port', opts.port);
const CONNECTIONS = positive('connections', opts.connections);
const PARALLEL = positive('parallel', opts.parallel);
const MESSAGE = Buffer.from('e'.repeat(1024));

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** Opens `n` sockets to `path`, at most PARALLEL handshakes at a time. */
async function openAll(path: string, n: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < n) {
      next++;
      // No compression offered: every server then sends plain frames.
      const ws = new WebSocket(`ws://127.0.0.1:${PORT}${path}`, { perMessageDeflate: false, skipUTF8Validation: true });
      await once(ws, 'open');
      sockets.push(ws);
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, n) }, worker));
  return sockets;
}

async function echo(): Promise<void> {
  const sockets = await openAll('/echo', CONNECTIONS);
  const limit = opts.messages === undefined ? Infinity : positive('messages', opts.messages);
  let received = 0;
  let sent = 0;
  let stopped = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  for (const ws of sockets) {
    ws.on('message', () => {
      received++;
      if (received >= limit) finish();
      if (stopped || sent >= limit) return;
      sent++;
      ws.send(MESSAGE, { binary: false });
    });
  }
  const started = performance.now();
  for (const ws of sockets) {
    if (sent >= limit) break;
    sent++;
    ws.send(MESSAGE, { binary: false });
  }
  if (limit !== Infinity) {
    await finished;
    emit({ event: 'echo', messages: received, seconds: (performance.now() - started) / 1000 });
  } else {
    const warmup = positive('warmup', opts.warmup);
    const duration = positive('duration', opts.duration);
    await new Promise((r) => setTimeout(r, warmup * 1000));
    const from = received;
    const at = performance.now();
    await new Promise((r) => setTimeout(r, duration * 1000));
    emit({ event: 'echo', messages: received - from, seconds: (performance.now() - at) / 1000 });
    stopped = true;
  }
  await closeAll(sockets);
}

function trigger(): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: PORT, path: '/broadcast', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(Number(body)));
    }).on('error', reject);
  });
}

async function broadcast(): Promise<void> {
  const started = performance.now();
  const sockets = await openAll('/sub', CONNECTIONS);
  emit({ event: 'open', connections: sockets.length, seconds: (performance.now() - started) / 1000 });
  // The driver says when it has read the server's memory.
  await once(process.stdin, 'data');
  const rounds = positive('rounds', opts.rounds);
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let got = 0;
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    const onMessage = (data: Buffer): void => {
      if (data.length !== 1024) throw new Error(`load: broadcast of ${data.length} bytes, expected 1024`);
      if (++got === sockets.length) done();
    };
    for (const ws of sockets) ws.once('message', onMessage);
    const t0 = performance.now();
    const [told] = await Promise.all([trigger(), all]);
    ms.push(performance.now() - t0);
    if (told !== sockets.length) throw new Error(`load: the server broadcast to ${told} sockets, ${sockets.length} are open`);
    await new Promise((r) => setTimeout(r, 200));
  }
  emit({ event: 'broadcast', connections: sockets.length, ms });
  await closeAll(sockets);
}

async function closeAll(sockets: readonly WebSocket[]): Promise<void> {
  await Promise.all(sockets.map(async (ws) => {
    if (ws.readyState === WebSocket.CLOSED) return;
    const closed = once(ws, 'close');
    ws.close(1000);
    await closed;
  }));
}

if (opts.mode === 'echo') await echo();
else if (opts.mode === 'broadcast') await broadcast();
else throw new RangeError(`load: --mode must be echo or broadcast, got ${JSON.stringify(opts.mode)}`);
process.exit(0);
