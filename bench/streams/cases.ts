// bench/streams cases, one per process so that each runs pinned to a core.
//   server-lines            a raw node:net server sending TOTAL bytes of 80-byte lines per connection
//   server-echo-net|aiots   an echo server (raw node:net, or aiots startServer + readexactly)
//   lines-<method> PORT     read every line; prints {"seconds","lines","bytes"}
//   echo-<method> PORT S    1 KiB request/response for S seconds; prints {"seconds","messages"}
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { Protocol, StreamReader, getEventLoop, openConnection, startServer, type Transport } from '../../src/index.js';

const TOTAL = Number(process.env.BENCH_BYTES ?? 200 * 1024 * 1024);
const LINE = 80;
const MSG = 1024;
const [, , name = '', portArg = '0', secondsArg = '3'] = process.argv;
const port = Number(portArg);

function linesBlock(): Buffer {
  // 13107 lines of 79 characters and a newline: 1 MiB-ish per socket write,
  // so that the sender is never what limits the readers.
  const line = Buffer.from(`${'x'.repeat(LINE - 1)}\n`);
  return Buffer.concat(Array.from({ length: 13107 }, () => line));
}

function announce(server: { address(): AddressInfo | string | null }): void {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
  // A server lives as long as run.ts: it ends when its stdin closes, and
  // after 15 minutes at most.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  setTimeout(() => process.exit(0), 15 * 60_000).unref();
}

async function serverLines(): Promise<void> {
  const block = linesBlock();
  const server = createServer((s) => {
    let sent = 0;
    s.on('error', () => {});
    const pump = (): void => {
      while (sent < TOTAL) {
        sent += block.length;
        if (!s.write(block)) return;
      }
      s.end();
    };
    s.on('drain', pump);
    pump();
  });
  server.listen(0, '127.0.0.1', () => announce(server));
}

async function serverEchoNet(): Promise<void> {
  const server = createServer({ noDelay: true }, (s) => {
    s.on('error', () => {});
    s.on('data', (d) => s.write(d));
  });
  server.listen(0, '127.0.0.1', () => announce(server));
}

async function serverEchoAiots(): Promise<void> {
  const server = await startServer(async (reader, writer) => {
    try {
      for (;;) {
        writer.write(await reader.readexactly(MSG));
        await writer.drain();
      }
    } catch {
      writer.close();
    }
  }, '127.0.0.1', 0);
  announce(server);
}

function connected(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
    s.on('error', reject);
  });
}

let cpu0 = process.cpuUsage();

/** Start the clock (wall and this process's CPU time). */
function start(): number {
  cpu0 = process.cpuUsage();
  return performance.now();
}

function report(t0: number, extra: Record<string, number>): void {
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(JSON.stringify({ seconds, cpu, rate: (extra.bytes ?? extra.messages ?? 0) / seconds, ...extra }));
}

async function linesAiots(): Promise<void> {
  const t0 = start();
  const [reader] = await openConnection('127.0.0.1', port, process.env.BENCH_LIMIT === undefined ? {} : { limit: Number(process.env.BENCH_LIMIT) });
  let lines = 0;
  let bytes = 0;
  for (;;) {
    const line = await reader.readline();
    if (line.length === 0) break;
    lines++;
    bytes += line.length;
  }
  report(t0, { lines, bytes });
}

// The streams layer rebuilt on protocols and transports, as an experiment: a
// StreamReader fed by a Protocol over loop.createConnection's transport.
class ReaderProtocol extends Protocol {
  readonly #reader: StreamReader;
  constructor(reader: StreamReader) {
    super();
    this.#reader = reader;
  }

  override connectionMade(t: Transport): void {
    this.#reader.setTransport(t);
  }

  override dataReceived(d: Buffer): void {
    this.#reader.feedData(d);
  }

  override eofReceived(): boolean {
    this.#reader.feedEof();
    return true;
  }
}

async function linesAiotsTransport(): Promise<void> {
  const t0 = start();
  const reader = new StreamReader();
  const [transport] = await getEventLoop().createConnection(() => new ReaderProtocol(reader), '127.0.0.1', port);
  let lines = 0;
  let bytes = 0;
  for (;;) {
    const line = await reader.readline();
    if (line.length === 0) break;
    lines++;
    bytes += line.length;
  }
  transport.close();
  report(t0, { lines, bytes });
}

async function linesAiotsIter(): Promise<void> {
  const t0 = start();
  const [reader] = await openConnection('127.0.0.1', port, process.env.BENCH_LIMIT === undefined ? {} : { limit: Number(process.env.BENCH_LIMIT) });
  let lines = 0;
  let bytes = 0;
  for await (const line of reader) {
    lines++;
    bytes += line.length;
  }
  report(t0, { lines, bytes });
}

async function linesNodeReadline(): Promise<void> {
  const t0 = start();
  const s = await connected();
  let lines = 0;
  let bytes = 0;
  const rl = createInterface({ input: s, crlfDelay: Infinity });
  rl.on('line', (line) => {
    lines++;
    bytes += line.length + 1;
  });
  await new Promise((r) => rl.on('close', r));
  report(t0, { lines, bytes });
}

async function linesNodeReadlineIter(): Promise<void> {
  const t0 = start();
  const s = await connected();
  let lines = 0;
  let bytes = 0;
  for await (const line of createInterface({ input: s, crlfDelay: Infinity })) {
    lines++;
    bytes += line.length + 1;
  }
  report(t0, { lines, bytes });
}

async function linesSplitter(): Promise<void> {
  const t0 = start();
  const s = await connected();
  let lines = 0;
  let bytes = 0;
  let rest: Buffer | undefined;
  s.on('data', (buf: Buffer) => {
    let start = 0;
    let i = buf.indexOf(10);
    if (rest !== undefined && i !== -1) {
      // Only the line cut by the chunk boundary is copied.
      const line = Buffer.concat([rest, buf.subarray(0, i + 1)]);
      rest = undefined;
      lines++;
      bytes += line.length;
      start = i + 1;
      i = buf.indexOf(10, start);
    }
    for (; i !== -1; i = buf.indexOf(10, start)) {
      const line = buf.subarray(start, i + 1);
      lines++;
      bytes += line.length;
      start = i + 1;
    }
    if (start < buf.length) rest = rest === undefined ? buf.subarray(start) : Buffer.concat([rest, buf.subarray(start)]);
  });
  await new Promise((r) => s.on('end', r));
  report(t0, { lines, bytes });
}

async function echoAiots(): Promise<void> {
  const [reader, writer] = await openConnection('127.0.0.1', port);
  const msg = Buffer.alloc(MSG, 0x6d);
  const until = performance.now() + Number(secondsArg) * 1000;
  const t0 = start();
  let messages = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) {
      writer.write(msg);
      await writer.drain();
      await reader.readexactly(MSG);
      messages++;
    }
  }
  report(t0, { messages });
  writer.close();
}

async function echoNet(): Promise<void> {
  const s = await connected();
  const msg = Buffer.alloc(MSG, 0x6d);
  const until = performance.now() + Number(secondsArg) * 1000;
  const t0 = start();
  let messages = 0;
  let got = 0;
  await new Promise<void>((resolve) => {
    s.on('data', (d: Buffer) => {
      got += d.length;
      while (got >= MSG) {
        got -= MSG;
        messages++;
        if (messages % 100 === 0 && performance.now() >= until) {
          resolve();
          return;
        }
        s.write(msg);
      }
    });
    s.write(msg);
  });
  report(t0, { messages });
  s.destroy();
}

const cases: Record<string, () => Promise<void>> = {
  'server-lines': serverLines,
  'server-echo-net': serverEchoNet,
  'server-echo-aiots': serverEchoAiots,
  'lines-aiots': linesAiots,
  'lines-aiots-iter': linesAiotsIter,
  'lines-aiots-transport': linesAiotsTransport,
  'lines-node-readline': linesNodeReadline,
  'lines-node-readline-iter': linesNodeReadlineIter,
  'lines-splitter': linesSplitter,
  'echo-aiots': echoAiots,
  'echo-net': echoNet,
};
const run = cases[name];
if (run === undefined) throw new Error(`unknown case ${name}; one of ${Object.keys(cases).join(', ')}`);
await run();
