// Python peers for the interop tests: Debian's /usr/bin/python3 running a
// script from test/ws/fixtures, which talks JSON lines on stdout. Every
// process started here is killed when the test ends, whatever happened.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** Debian's interpreter, never whatever `python3` PATH finds. */
export const PYTHON = '/usr/bin/python3';

const cache = new Map<string, string | null>();

/** Why `module` cannot be imported by {@link PYTHON}, or null when it can. */
export function pythonMissing(module: string): string | null {
  let why = cache.get(module);
  if (why === undefined) {
    const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 30_000 });
    why = r.status === 0 ? null : `${PYTHON} cannot import ${module} (${r.error?.message ?? r.stderr.trim().split('\n').at(-1) ?? 'unknown'}); .ci/run installs python3-${module}`;
    cache.set(module, why);
  }
  return why;
}

/** A running Python script and the JSON lines it has printed. */
export class PyPeer {
  readonly #lines: unknown[] = [];
  readonly #waiters: Array<() => void> = [];
  #stderr = '';
  #exited = false;
  readonly proc: ChildProcess;

  /** Start `fixtures/<script>` with `args`; `stdin` is written to it (and stdin kept open). */
  constructor(t: Pick<TestContext, 'after'>, script: string, args: readonly string[] = [], stdin?: string) {
    const path = fileURLToPath(new URL(`fixtures/${script}`, import.meta.url));
    this.proc = spawn(PYTHON, ['-u', path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => this.kill());
    // stdin stays open: the script exits when it closes, so that no Python
    // outlives a test process that died before its t.after ran.
    if (stdin !== undefined) this.proc.stdin?.write(stdin);
    this.proc.stdin?.on('error', () => {});
    this.proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.#stderr = (this.#stderr + s).slice(-4000);
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      try {
        this.#lines.push(JSON.parse(line));
      } catch {
        this.#lines.push({ unparsed: line });
      }
      this.#wake();
    });
    this.proc.on('exit', () => {
      this.#exited = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The next line printed (seconds before giving up: generous, the machine is shared). */
  async next<T = Record<string, unknown>>(seconds = 30): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line as T;
      if (this.#exited) throw new Error(`python ${this.proc.spawnargs.slice(2).join(' ')} exited (${String(this.proc.exitCode)}); stderr:\n${this.#stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line from python within ${seconds} s; stderr:\n${this.#stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The lines until one whose `event` is `event` (that one included). */
  async until(event: string, seconds = 30): Promise<Array<Record<string, unknown>>> {
    const got: Array<Record<string, unknown>> = [];
    for (;;) {
      const line = await this.next(seconds);
      got.push(line);
      if (line.event === event) return got;
    }
  }

  /** What the script wrote on stderr lately (for failure messages). */
  get stderr(): string {
    return this.#stderr;
  }

  /** Kill the process and wait for it to be gone. */
  async kill(): Promise<void> {
    if (this.#exited || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGKILL');
    await gone;
  }
}
