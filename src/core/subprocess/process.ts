/**
 * `Process`, as `asyncio.subprocess.Process`: a running child with its pipes
 * as a `StreamWriter` and `StreamReader`s, `wait()` and `communicate()`.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { ProcessLookupError } from '../errors.js';
import { Future } from '../future.js';
import { checkOptions, SIGNAL_ONLY } from '../options.js';
import type { SignalOptions } from '../sleep.js';
import { suspend } from '../suspend.js';
import { describe, toSignal } from '../validate.js';
import { SocketProtocol } from '../streams/socket-protocol.js';
import { StreamReader } from '../streams/stream-reader.js';
import { StreamWriter } from '../streams/stream-writer.js';
import { feedStdin, readToEnd } from './pipes.js';

/** A signal by name (`'SIGTERM'`) or number (`15`). */
export type ProcessSignal = NodeJS.Signals | number;

const SIGNALS = constants.signals as Readonly<Record<string, number>>;

/**
 * A child process started by `createSubprocessExec` or
 * `createSubprocessShell`. Node reaps every child as it exits, so a child
 * nobody waits for never stays a zombie; `await using proc = ...` kills a
 * child still running at the end of the scope and waits for it.
 * @example
 * await using proc = await createSubprocessExec('ls', ['-l'], { stdout: PIPE });
 * const [out] = await proc.communicate();
 * console.log(out?.toString(), proc.returncode);
 */
export class Process implements AsyncDisposable {
  /** The child's standard input when started with `stdin: PIPE`, else null. */
  readonly stdin: StreamWriter | null;
  /** The child's standard output when started with `stdout: PIPE`, else null. */
  readonly stdout: StreamReader | null;
  /** The child's standard error when started with `stderr: PIPE`, else null. */
  readonly stderr: StreamReader | null;
  readonly #child: ChildProcess;
  #returncode: number | null = null;
  readonly #waiters = new Set<Future<number>>();

  /** @internal Made by `createSubprocessExec` and `createSubprocessShell`. */
  constructor(child: ChildProcess, limit: number | undefined) {
    this.#child = child;
    const opts = limit === undefined ? undefined : { limit };
    const inSocket = child.stdin as Socket | null;
    this.stdin = inSocket === null ? null : new StreamWriter(new SocketProtocol(inSocket, null), { tls: undefined, serverSide: false, path: undefined });
    this.stdout = readerOf(child.stdout as Socket | null, opts);
    this.stderr = readerOf(child.stderr as Socket | null, opts);
    // 'exit', not 'close' (which also waits for the pipes to close): wait()
    // is about the process, and a grandchild holding a pipe must not stall it.
    child.on('exit', (code, signal) => this.#exited(code, signal));
    // A failed kill() is reported there; never let it crash the process.
    child.on('error', ignore);
  }

  /** The child's process id. */
  get pid(): number {
    return this.#child.pid as number;
  }

  /**
   * The exit status: null while the child runs, its exit code once it
   * exited, or minus the signal number when a signal ended it (`-9` after `kill()`).
   */
  get returncode(): number | null {
    return this.#returncode;
  }

  /**
   * Wait for the child to exit; returns `returncode`. Output not read yet
   * stays readable. As asyncio warns: with `stdout: PIPE` or `stderr: PIPE`,
   * a child writing more than the pipe and the reader's buffer hold blocks
   * until someone reads, so `wait()` never returns — use `communicate()`.
   * Cancelling the wait leaves the child running.
   */
  async wait(options?: SignalOptions): Promise<number> {
    checkOptions('Process.wait()', options, SIGNAL_ONLY);
    const signal = toSignal('Process.wait()', options?.signal);
    if (this.#returncode !== null) return this.#returncode;
    const fut = new Future<number>();
    this.#waiters.add(fut);
    try {
      return await suspend(fut, signal);
    } finally {
      this.#waiters.delete(fut);
    }
  }

  /**
   * Send `input` to stdin (if given) and close it, read stdout and stderr to
   * EOF at the same time, wait for the child to exit, and return
   * `[stdout, stderr]` (null for a stream that is not a `PIPE`). Large input
   * and output on both pipes at once do not deadlock. A child that exits
   * without reading its input is not an error (as asyncio: broken pipes are
   * ignored here). Cancelling it leaves the child running; what was read is lost.
   * @example
   * const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
   * const [out] = await proc.communicate(Buffer.from('hello'));
   */
  async communicate(input?: Uint8Array | string | null, options?: SignalOptions): Promise<[Buffer | null, Buffer | null]> {
    const where = 'Process.communicate()';
    checkOptions(where, options, SIGNAL_ONLY);
    const signal = toSignal(where, options?.signal);
    if (input !== undefined && input !== null) {
      if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new TypeError(`${where}: input must be a Buffer, Uint8Array or string, got ${describe(input)}`);
      if (this.stdin === null) throw new TypeError(`${where}: input was given but the process was not started with stdin: PIPE`);
    }
    const [, out, err] = await Promise.all([
      this.stdin === null ? undefined : feedStdin(this.stdin, input ?? undefined, signal),
      this.stdout === null ? null : readToEnd(this.stdout, signal),
      this.stderr === null ? null : readToEnd(this.stderr, signal),
    ]);
    await this.wait(signal === undefined ? undefined : { signal });
    return [out, err];
  }

  /**
   * Send `signal` to the child (`'SIGINT'`, `15`...). Throws
   * `ProcessLookupError` once the child has exited.
   */
  sendSignal(signal: ProcessSignal): void {
    const where = 'Process.sendSignal()';
    if (typeof signal === 'string') {
      if (!Object.hasOwn(SIGNALS, signal)) throw new TypeError(`${where}: unknown signal ${JSON.stringify(signal)}`);
    } else if (typeof signal !== 'number' || !Number.isInteger(signal) || signal < 0) {
      throw new TypeError(`${where}: signal must be a signal name or a non-negative integer, got ${describe(signal)}`);
    }
    if (this.#returncode !== null) throw new ProcessLookupError(`${where}: process ${this.pid} has already exited`);
    this.#child.kill(signal);
  }

  /** Send SIGTERM (`TerminateProcess` on Windows). */
  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  /** Send SIGKILL. */
  kill(): void {
    this.sendSignal('SIGKILL');
  }

  /**
   * For `await using`: kill the child if it still runs, close the pipes and
   * wait until it has exited. Unread output is dropped.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#returncode === null) this.#child.kill('SIGKILL');
    this.stdin?.close();
    // Our ends of the pipes: a grandchild may hold the other ends, and
    // unread output must not keep them (and this process) alive.
    for (const s of [this.#child.stdout, this.#child.stderr]) s?.destroy();
    await this.wait();
  }

  #exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#returncode !== null) return;
    const rc = (this.#returncode = code ?? -(signal === null ? 0 : SIGNALS[signal] ?? 0));
    for (const f of this.#waiters) if (!f.done()) f.setResult(rc);
    this.#waiters.clear();
  }
}

function readerOf(socket: Socket | null, opts: { limit: number } | undefined): StreamReader | null {
  if (socket === null) return null;
  const reader = new StreamReader(opts);
  // Wires the socket to the reader (data, EOF, errors, flow control).
  new SocketProtocol(socket, reader);
  return reader;
}

function ignore(): void {}
