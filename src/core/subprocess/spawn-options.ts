// Validation of createSubprocessExec/Shell's arguments and options, and their
// translation into node:child_process's spawn options.
import type { SpawnOptions, StdioPipe, StdioNull } from 'node:child_process';
import { toLimit } from '../streams/net-options.js';
import { checkOptions, knownOptions } from '../options.js';
import { describe, toSignal } from '../validate.js';
import { DEVNULL, PIPE, STDOUT, type StdioSpec } from './constants.js';

const OPTIONS = knownOptions('stdin', 'stdout', 'stderr', 'cwd', 'env', 'limit', 'signal', 'startNewSession');
// Popen keywords whose aiots name is not their camelCase, or that aiots does not take.
const ALIASES = { start_new_session: 'startNewSession' };

/** Options of {@link createSubprocessExec} and {@link createSubprocessShell}. */
export interface SubprocessOptions {
  /** The child's standard input: `PIPE` makes `proc.stdin` a `StreamWriter`. @default null (this process's stdin) */
  readonly stdin?: StdioSpec;
  /** The child's standard output: `PIPE` makes `proc.stdout` a `StreamReader`. @default null (this process's stdout) */
  readonly stdout?: StdioSpec;
  /** The child's standard error: `PIPE` makes `proc.stderr` a `StreamReader`; `STDOUT` merges it into stdout. @default null */
  readonly stderr?: StdioSpec;
  /** The child's working directory. @default this process's */
  readonly cwd?: string;
  /** The child's whole environment (not merged with `process.env`, as Popen's `env`). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The limit of the `stdout`/`stderr` readers, in bytes, as `openConnection`'s. @default 65536 */
  readonly limit?: number;
  /** Run the child in a new session (`setsid`), as Popen's `start_new_session`. @default false */
  readonly startNewSession?: boolean;
  /** Cancels the wait for the child to start (the child is then killed). */
  readonly signal?: AbortSignal;
}

/** @internal What spawn needs, resolved once. */
export interface ResolvedSpawn {
  readonly spawn: SpawnOptions;
  readonly limit: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** stderr goes to the stdout pipe: the command must be wrapped in `sh` to get one pipe for both. */
  readonly mergeIntoPipe: boolean;
  readonly cwd: string | undefined;
}

type NodeStdio = StdioPipe | StdioNull | number;

function toStdio(where: string, name: string, value: unknown): NodeStdio | 'stdout' {
  if (value === undefined || value === null) return 'inherit';
  if (value === PIPE) return 'pipe';
  if (value === DEVNULL) return 'ignore';
  if (value === STDOUT) {
    if (name !== 'stderr') throw new RangeError(`${where}: STDOUT is only valid for stderr, got it for ${name}`);
    return 'stdout';
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new TypeError(`${where}: ${name} must be PIPE, DEVNULL, ${name === 'stderr' ? 'STDOUT, ' : ''}a file descriptor or null, got ${describe(value)}`);
}

/** @internal */
export function resolveOptions(where: string, options: SubprocessOptions | undefined): ResolvedSpawn {
  checkOptions(where, options, OPTIONS, ALIASES);
  const o = options ?? {};
  const stdin = toStdio(where, 'stdin', o.stdin) as NodeStdio; // 'stdout' only comes for stderr
  const stdout = toStdio(where, 'stdout', o.stdout) as NodeStdio;
  let stderr = toStdio(where, 'stderr', o.stderr);
  let mergeIntoPipe = false;
  if (stderr === 'stdout') {
    // Node cannot hand the child the write end of the stdout pipe twice:
    // that case goes through `sh -c 'exec ... 2>&1'`; the others are plain.
    if (stdout === 'pipe') {
      if (process.platform === 'win32') throw new RangeError(`${where}: stderr=STDOUT with stdout=PIPE is not supported on Windows`);
      mergeIntoPipe = true;
      stderr = 'inherit';
    } else {
      stderr = stdout === 'inherit' ? 1 : stdout;
    }
  }
  const err: NodeStdio = stderr;
  const cwd = o.cwd;
  if (cwd !== undefined && typeof cwd !== 'string') throw new TypeError(`${where}: cwd must be a string, got ${describe(cwd)}`);
  const env = o.env;
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env))) {
    throw new TypeError(`${where}: env must be an object of strings, got ${describe(env)}`);
  }
  if (env !== undefined) {
    for (const [k, v] of Object.entries(env)) {
      if (v !== undefined && typeof v !== 'string') throw new TypeError(`${where}: env.${k} must be a string, got ${describe(v)}`);
    }
  }
  const session = o.startNewSession;
  if (session !== undefined && typeof session !== 'boolean') throw new TypeError(`${where}: startNewSession must be a boolean, got ${describe(session)}`);
  const spawn: SpawnOptions = {
    stdio: [stdin, stdout, err],
    windowsHide: true,
    ...(cwd === undefined ? {} : { cwd }),
    ...(env === undefined ? {} : { env }),
    ...(session === true ? { detached: true } : {}),
  };
  return { spawn, limit: toLimit(where, o.limit), signal: toSignal(where, o.signal), mergeIntoPipe, cwd };
}

/** @internal A program name or argument: a string without NUL bytes (the OS cannot pass one). */
export function toArg(where: string, name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${where}: ${name} must be a string, got ${describe(value)}`);
  if (value.includes('\0')) throw new RangeError(`${where}: ${name} must not contain a NUL byte`);
  return value;
}
