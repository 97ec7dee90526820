/**
 * One benchmark server as a child process pinned to a core: start, wait until
 * it serves the expected bytes, read its memory and CPU from /proc, stop.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

/** How to start one server. */
export interface ServerSpec {
  readonly file: string;
  readonly node: string;
  readonly nodeArgs: readonly string[];
  readonly cpu: string;
  /** Niceness (negative: ahead of other processes on a shared machine; needs root). */
  readonly nice: number;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Runs a command pinned to a core, niced, with the hard limit of open files. */
export const PIN = fileURLToPath(new URL('../pin.sh', import.meta.url));

// Detached children do not get the terminal's Ctrl-C: the driver stops them.
const live = new Set<ChildProcess>();

/** Kills every server and load generator still running (on Ctrl-C or a crash of the driver). */
export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
}

/** Starts a detached child that killAll() stops. */
export function spawnTracked(file: string, args: readonly string[], onExit?: () => void): ChildProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  child.once('exit', () => {
    live.delete(child);
    onExit?.();
  });
  return child;
}

interface Reply { status: number; contentType: string; body: string }

function fetchOnce(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // agent: false closes the socket after the reply, so the probe leaves no
    // idle connection behind in the server being measured.
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => body += chunk);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
  });
}

function readStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const at = status.indexOf(`${field}:`);
  if (at === -1) return 0;
  return Number.parseInt(status.slice(at + field.length + 1), 10);
}

function readCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** Busy and total jiffies of one CPU, from /proc/stat. */
function readCore(cpu: string): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'latin1').split('\n').find((l) => l.startsWith(`cpu${cpu} `)) ?? '';
  const v = line.split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** How busy each core was over a window (0..1), to see a saturated load generator or a neighbour. */
export class CoreMeter {
  readonly #cpus: readonly string[];
  #start: Array<{ busy: number; total: number }>;

  constructor(cpus: readonly string[]) {
    this.#cpus = cpus;
    this.#start = cpus.map(readCore);
  }

  /** Busy share of each core since construction. */
  read(): number[] {
    return this.#cpus.map((c, i) => {
      const now = readCore(c);
      const start = this.#start[i]!;
      return (now.busy - start.busy) / Math.max(1, now.total - start.total);
    });
  }
}

/** A running benchmark server. */
export class BenchServer {
  readonly #child: ChildProcess;
  readonly #port: number;
  #output = '';
  #exited = false;
  #sampler: NodeJS.Timeout | undefined;
  #maxRss = 0;
  #cpuStart = 0;
  #cpuStartAt = 0;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.#port = port;
    const keep = (chunk: Buffer): void => {
      // Only the tail matters when a server fails to start.
      this.#output = (this.#output + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => this.#exited = true);
  }

  /** Spawns the server pinned with `taskset`, with the hard limit of open files. */
  static start(spec: ServerSpec): BenchServer {
    // pin.sh execs: the child's PID is node's, which /proc is read for.
    const child = spawn(PIN, [spec.cpu, String(spec.nice), spec.node, ...spec.nodeArgs, '--import', 'tsx', spec.file], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, PORT: String(spec.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    return new BenchServer(child, spec.port);
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  get output(): string {
    return this.#output;
  }

  /** Waits until both routes answer with the expected bytes. */
  async ready(expect: ReadonlyArray<readonly [path: string, body: string]>, timeoutS = 60): Promise<void> {
    const deadline = Date.now() + timeoutS * 1000;
    let last: unknown;
    while (Date.now() < deadline) {
      if (this.#exited) throw new Error(`server exited before answering:\n${this.#output}`);
      try {
        for (const [path, body] of expect) {
          const reply = await fetchOnce(this.#port, path);
          if (reply.status !== 200 || reply.body !== body || !reply.contentType.toLowerCase().startsWith('text/html')) {
            throw new Error(`GET ${path} answered ${reply.status} ${reply.contentType} ${JSON.stringify(reply.body)}, expected 200 text/html ${JSON.stringify(body)}`);
          }
        }
        return;
      } catch (err) {
        last = err;
        if (err instanceof Error && err.message.startsWith('GET ')) throw err;
        await delay(100);
      }
    }
    throw new Error(`server did not answer within ${timeoutS}s: ${String(last)}\n${this.#output}`);
  }

  /** Current resident set, KiB. */
  rssKiB(): number {
    return readStatusKiB(this.pid, 'VmRSS');
  }

  /** Starts the measured window: samples RSS every 100 ms and notes CPU time. */
  beginWindow(): void {
    this.#cpuStart = readCpuTicks(this.pid);
    this.#cpuStartAt = performance.now();
    this.#sampler = setInterval(() => {
      try {
        this.#maxRss = Math.max(this.#maxRss, this.rssKiB());
      } catch {
        // The process is gone; stop() reports it.
      }
    }, 100);
  }

  /** Ends the window: the share of one core the server used, and its peak RSS (KiB). */
  endWindow(): { cpu: number; peakRssKiB: number } {
    clearInterval(this.#sampler);
    const ticks = readCpuTicks(this.pid) - this.#cpuStart;
    const seconds = (performance.now() - this.#cpuStartAt) / 1000;
    // VmHWM is the kernel's own high-water mark, so a peak between samples counts too.
    const peakRssKiB = Math.max(this.#maxRss, readStatusKiB(this.pid, 'VmHWM'));
    return { cpu: ticks / CLOCK_TICKS / seconds, peakRssKiB };
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceS`. */
  async stop(graceS = 10): Promise<void> {
    clearInterval(this.#sampler);
    if (this.#exited) return;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceS * 1000);
    await exited;
    clearTimeout(timer);
  }
}
