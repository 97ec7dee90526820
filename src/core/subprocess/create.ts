/**
 * `createSubprocessExec` and `createSubprocessShell`, as asyncio's
 * `create_subprocess_exec` and `create_subprocess_shell`, on node:child_process.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CancelledError, FileNotFoundError } from '../errors.js';
import { Future } from '../future.js';
import { checkSignal, suspend } from '../suspend.js';
import { describe } from '../validate.js';
import { Process } from './process.js';
import { resolveProgram } from './resolve-program.js';
import { resolveOptions, toArg, type ResolvedSpawn, type SubprocessOptions } from './spawn-options.js';

/**
 * Run `program` with `args` (no shell), as `asyncio.create_subprocess_exec(program, *args)`.
 * Resolves once the child has started; a program that does not exist throws
 * `FileNotFoundError` naming it. Standard streams default to this process's
 * own; pass `PIPE` to talk to the child.
 * @example
 * const proc = await createSubprocessExec('date', [], { stdout: PIPE });
 * const line = await proc.stdout!.readline();
 * await proc.wait();
 */
export function createSubprocessExec(program: string, args?: readonly string[], options?: SubprocessOptions): Promise<Process>;
export function createSubprocessExec(program: string, options?: SubprocessOptions): Promise<Process>;
export async function createSubprocessExec(program: string, args?: readonly string[] | SubprocessOptions, options?: SubprocessOptions): Promise<Process> {
  const where = 'createSubprocessExec()';
  toArg(where, 'program', program);
  if (program.length === 0) throw new RangeError(`${where}: program must not be empty`);
  let argv: string[] = [];
  if (Array.isArray(args)) {
    argv = (args as readonly unknown[]).map((a, i) => toArg(where, `args[${i}]`, a));
  } else if (args !== undefined && options === undefined && typeof args === 'object' && args !== null) {
    options = args as SubprocessOptions;
  } else if (args !== undefined) {
    throw new TypeError(`${where}: args must be an array of strings (asyncio's *args: createSubprocessExec('ls', ['-l'])), got ${describe(args)}`);
  }
  const o = resolveOptions(where, options);
  if (!o.mergeIntoPipe) return start(where, program, program, argv, o);
  // stderr=STDOUT with stdout=PIPE: the shell makes fd 2 a copy of fd 1, then
  // becomes the program (exec keeps the pid). The program is looked up here,
  // so that a missing one is still FileNotFoundError and not the shell's 127.
  const env = (o.spawn.env ?? process.env) as Record<string, string | undefined>;
  const path = resolveProgram(program, env.PATH, o.cwd);
  if (path === undefined) throw notFound(where, program, undefined);
  return start(where, program, '/bin/sh', ['-c', 'exec "$0" "$@" 2>&1', path, ...argv], o);
}

/**
 * Run `cmd` through the shell (`/bin/sh -c` on Unix, `cmd.exe` on Windows), as
 * `asyncio.create_subprocess_shell`. Quoting is the caller's job: never build
 * `cmd` from untrusted input. A command the shell cannot find is not an
 * error here: the shell exits with 127.
 * @example
 * const proc = await createSubprocessShell('ls /tmp | wc -l', { stdout: PIPE });
 * const [out] = await proc.communicate();
 */
export async function createSubprocessShell(cmd: string, options?: SubprocessOptions): Promise<Process> {
  const where = 'createSubprocessShell()';
  toArg(where, 'cmd', cmd);
  const o = resolveOptions(where, options);
  if (o.mergeIntoPipe) return start(where, cmd, '/bin/sh', ['-c', `exec 2>&1\n${cmd}`], o);
  return start(where, cmd, cmd, [], { ...o, spawn: { ...o.spawn, shell: true } });
}

async function start(where: string, name: string, file: string, argv: string[], o: ResolvedSpawn): Promise<Process> {
  checkSignal(o.signal);
  const child = spawn(file, argv, o.spawn);
  // Made at once so that no exit or pipe event goes unheard.
  const proc = new Process(child, o.limit);
  const started = new Future<void>();
  const onSpawn = (): void => {
    if (!started.done()) started.setResult();
  };
  const onError = (e: Error): void => {
    if (!started.done()) started.setException(e);
  };
  child.once('spawn', onSpawn);
  child.once('error', onError);
  try {
    await suspend(started, o.signal);
  } catch (e) {
    if (e instanceof CancelledError) {
      // Started or not, a child nobody will ever see must not run on.
      child.kill('SIGKILL');
      throw e;
    }
    if ((e as { code?: unknown }).code === 'ENOENT') throw notFound(where, name, o.cwd, e);
    throw e;
  } finally {
    child.off('spawn', onSpawn);
    child.off('error', onError);
  }
  return proc;
}

function notFound(where: string, program: string, cwd: string | undefined, cause?: unknown): FileNotFoundError {
  // libuv reports a missing working directory as ENOENT too: name the right path.
  if (cwd !== undefined && !existsSync(cwd)) {
    return new FileNotFoundError(`${where}: no such directory (cwd): ${JSON.stringify(cwd)}`, cwd, { cause });
  }
  return new FileNotFoundError(`${where}: no such file or program: ${JSON.stringify(program)}`, program, { cause });
}
