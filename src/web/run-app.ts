/**
 * `runApp`, as aiohttp's `web.run_app`: serve until SIGINT/SIGTERM, then
 * shut down gracefully. `workers: N` forks N processes with `node:cluster`
 * sharing the port.
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { Application } from './application.js';
import { AppRunner, TCPSite, UnixSite, type BaseSite, type RunnerOptions } from './runner.js';
import { Future } from '../core/future.js';
import { suspend } from '../core/suspend.js';
import { resolveSsl, type SSLOptions } from './ssl.js';
import { checkOptions } from '../core/options.js';
import { describe, toInt } from '../core/validate.js';
import { RUN_APP_OPTIONS, SERVER_ALIASES } from './option-names.js';

/** Options of {@link runApp}. */
export interface RunAppOptions extends RunnerOptions {
  /** Host(s) to bind. @default '0.0.0.0' */
  readonly host?: string | readonly string[];
  /** TCP port (0: ephemeral). @default 8080 */
  readonly port?: number;
  /** A Unix socket path to serve on (instead of TCP unless host/port are given too). */
  readonly path?: string;
  /** The listen backlog. @default the system's largest (`net.core.somaxconn` on Linux) */
  readonly backlog?: number;
  /** SO_REUSEPORT, where Node supports it. */
  readonly reusePort?: boolean;
  /**
   * Serve HTTPS on every site (aiohttp's `ssl_context`): Node's TLS server
   * options, e.g. `{ key: readFileSync('key.pem'), cert: readFileSync('cert.pem') }`.
   * With `workers`, each worker serves with the same options. @default null
   */
  readonly ssl?: SSLOptions | null;
  /** Prints the "Running on" banner; null for silence. @default console.log */
  readonly printFn?: ((line: string) => void) | null;
  /** Stop on SIGINT and SIGTERM. @default true */
  readonly handleSignals?: boolean;
  /** Worker processes sharing the port (node:cluster). @default 1 (no fork) */
  readonly workers?: number;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Serve `app` until SIGINT or SIGTERM, then shut down gracefully and let the
 * process exit. Like aiohttp's `run_app` it is called as a statement; errors
 * are printed and set `process.exitCode = 1`.
 * @example
 * runApp(app, { host: '127.0.0.1', port: 8000 });
 */
export function runApp(app: Application | PromiseLike<Application>, options?: RunAppOptions): void {
  // Thrown to the caller, not turned into an exit code: a misspelt option is a programming error.
  checkOptions('runApp()', options, RUN_APP_OPTIONS, SERVER_ALIASES);
  serveApp(app, options).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}

/** @internal `runApp` as a promise that settles once the server is shut down. */
export async function serveApp(appOrPromise: Application | PromiseLike<Application>, options?: RunAppOptions): Promise<void> {
  checkOptions('runApp()', options, RUN_APP_OPTIONS, SERVER_ALIASES);
  const workers = options?.workers === undefined ? 1 : toInt('runApp()', 'workers', options.workers, 1);
  const print = options?.printFn === undefined ? console.log : options.printFn;
  if (print !== null && typeof print !== 'function') throw new TypeError(`runApp(): printFn must be a function or null, got ${describe(print)}`);
  const handleSignals = options?.handleSignals ?? true;
  const ssl = options?.ssl ?? null;
  // Before anything starts: a bad certificate is one clear error, not every
  // worker failing to start, nor an app that ran its startup for nothing.
  if (ssl !== null) resolveSsl('runApp()', ssl);
  if (workers > 1 && cluster.isPrimary) return primary(workers, options, print);

  const app = await appOrPromise;
  if (!(app instanceof Application)) throw new TypeError(`runApp(): app must be an Application, got ${describe(app)}`);
  // The runner takes the runner's options only; where to listen is the sites'.
  const { host: _h, port: _p, path: _path, backlog: _b, reusePort: _r, printFn: _pf, handleSignals: _hs, workers: _w, ssl: _s, ...runnerOptions } = options ?? {};
  const runner = new AppRunner(app, runnerOptions);
  // A future, not a promise: cancelling the task that serves cancels the
  // wait (then cleanup runs), as aiohttp's _run_app; a repeated signal finds it done.
  const stopped = new Future<void>();
  const stop = (): void => {
    if (!stopped.done()) stopped.setResult();
  };
  const unlisten = (): void => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  };
  const onSignal = (): void => {
    stop();
    // A lone process leaves a second signal to Node's default (exit at once),
    // as a second Ctrl+C does. A worker stays deaf to repeats: a terminal's
    // Ctrl+C reaches it directly and again through the primary, which alone
    // decides when to insist (see primary()).
    if (!cluster.isWorker) unlisten();
  };
  if (handleSignals) for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    await runner.setup();
    const sites: BaseSite[] = [];
    const siteOpts = { ssl, ...(options?.backlog === undefined ? {} : { backlog: options.backlog }), ...(options?.reusePort === true ? { reusePort: true } : {}) };
    if (options?.path !== undefined) sites.push(new UnixSite(runner, options.path, siteOpts));
    if (options?.path === undefined || options.host !== undefined || options.port !== undefined) {
      const hosts = options?.host === undefined ? ['0.0.0.0'] : typeof options.host === 'string' ? [options.host] : options.host;
      for (const h of hosts) sites.push(new TCPSite(runner, h, options?.port ?? 8080, siteOpts));
    }
    for (const s of sites) await s.start();
    if (print !== null && cluster.isPrimary) {
      print(`======== Running on ${sites.map((s) => s.name).join(', ')} ========\n(Press CTRL+C to quit)`);
    }
    await suspend(stopped, undefined);
  } finally {
    try {
      await runner.cleanup();
    } finally {
      // A worker keeps ignoring signals to the end: the primary's forwarded
      // copy may land after cleanup. (Signal listeners do not keep it alive.)
      if (!cluster.isWorker) unlisten();
      // A worker's IPC channel to the primary would keep it alive.
      if (cluster.isWorker) cluster.worker?.disconnect();
    }
  }
}

async function primary(workers: number, options: RunAppOptions | undefined, print: ((line: string) => void) | null): Promise<void> {
  const procs: Worker[] = [];
  let signals = 0;
  const forward = (sig: NodeJS.Signals): void => {
    // The first signal asks every worker for a graceful shutdown; a second one
    // is the user insisting, as a second Ctrl+C stops a lone process at once.
    const to = ++signals === 1 ? sig : 'SIGKILL';
    for (const w of procs) if (!w.isDead()) w.process.kill(to);
  };
  // Listening from the start: a signal that lands while the workers start, or
  // just after the banner, must reach them rather than kill the primary alone.
  if (options?.handleSignals ?? true) for (const s of STOP_SIGNALS) process.on(s, forward);
  try {
    for (let i = 0; i < workers; i++) procs.push(cluster.fork());
    await superviseWorkers(procs, workers, print, options?.ssl == null ? 'http' : 'https');
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, forward);
  }
}

async function superviseWorkers(procs: readonly Worker[], workers: number, print: ((line: string) => void) | null, scheme: 'http' | 'https'): Promise<void> {
  const listening = Promise.all(procs.map((w) => new Promise<string>((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`runApp(): worker ${w.process.pid ?? '?'} exited with code ${code} before listening`));
    w.once('listening', (a: { address: string | null; port: number; addressType: number | string }) => {
      w.off('exit', onExit);
      resolve(a.addressType === -1 || a.addressType === 'udp4' ? String(a.address) : `${scheme}://${a.address?.includes(':') === true ? `[${a.address}]` : a.address ?? '0.0.0.0'}:${a.port}`);
    });
    w.once('exit', onExit);
  })));
  let addresses: string[];
  try {
    addresses = await listening;
  } catch (e) {
    // One worker could not start: the others must not be left serving without a primary that waits for them.
    for (const w of procs) if (!w.isDead()) w.process.kill('SIGTERM');
    throw e;
  }
  if (print !== null) {
    print(`======== Running on ${[...new Set(addresses)].join(', ')} with ${workers} workers ========\n(Press CTRL+C to quit)`);
  }
  const failed: string[] = [];
  const exited = procs.map((w) => new Promise<void>((resolve) => {
    const onExit = (code: number | null, signal: string | null): void => {
      // A worker that finished its shutdown and disconnected on purpose can
      // still be hit by the copy of a stop signal this primary forwarded (late,
      // on a loaded machine) while Node tears it down: that is a clean exit.
      const finished = w.exitedAfterDisconnect && (signal === 'SIGINT' || signal === 'SIGTERM');
      if (code !== 0 && !finished) failed.push(`worker ${w.process.pid ?? '?'} ${signal === null ? `exited with code ${code}` : `was killed by ${signal}`}`);
      resolve();
    };
    if (w.isDead()) onExit(w.process.exitCode, w.process.signalCode);
    else w.once('exit', onExit);
  }));
  await Promise.all(exited);
  if (failed.length > 0) throw new Error(`runApp(): ${failed.join('; ')}`);
}
