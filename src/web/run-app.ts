/**
 * `runApp`, as aiohttp's `web.run_app`: serve until SIGINT/SIGTERM, then
 * shut down gracefully. `workers: N` forks N processes with `node:cluster`
 * sharing the port.
 * @module
 */
import cluster from 'node:cluster';
import { Application } from './application.js';
import { AppRunner, TCPSite, UnixSite, type BaseSite, type RunnerOptions } from './runner.js';
import { describe, toInt } from '../core/validate.js';

/** Options of {@link runApp}. */
export interface RunAppOptions extends RunnerOptions {
  /** Host(s) to bind. @default '0.0.0.0' */
  readonly host?: string | readonly string[];
  /** TCP port (0: ephemeral). @default 8080 */
  readonly port?: number;
  /** A Unix socket path to serve on (instead of TCP unless host/port are given too). */
  readonly path?: string;
  /** The listen backlog. */
  readonly backlog?: number;
  /** SO_REUSEPORT, where Node supports it. */
  readonly reusePort?: boolean;
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
  serveApp(app, options).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}

/** @internal `runApp` as a promise that settles once the server is shut down. */
export async function serveApp(appOrPromise: Application | PromiseLike<Application>, options?: RunAppOptions): Promise<void> {
  const workers = options?.workers === undefined ? 1 : toInt('runApp()', 'workers', options.workers, 1);
  const print = options?.printFn === undefined ? console.log : options.printFn;
  if (print !== null && typeof print !== 'function') throw new TypeError(`runApp(): printFn must be a function or null, got ${describe(print)}`);
  const handleSignals = options?.handleSignals ?? true;
  if (workers > 1 && cluster.isPrimary) return primary(workers, options, print);

  const app = await appOrPromise;
  if (!(app instanceof Application)) throw new TypeError(`runApp(): app must be an Application, got ${describe(app)}`);
  const runner = new AppRunner(app, options);
  let stop: () => void = noop;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  if (handleSignals) for (const s of STOP_SIGNALS) process.once(s, stop);
  try {
    await runner.setup();
    const sites: BaseSite[] = [];
    const siteOpts = { ...(options?.backlog === undefined ? {} : { backlog: options.backlog }), ...(options?.reusePort === true ? { reusePort: true } : {}) };
    if (options?.path !== undefined) sites.push(new UnixSite(runner, options.path, siteOpts));
    if (options?.path === undefined || options.host !== undefined || options.port !== undefined) {
      const hosts = options?.host === undefined ? ['0.0.0.0'] : typeof options.host === 'string' ? [options.host] : options.host;
      for (const h of hosts) sites.push(new TCPSite(runner, h, options?.port ?? 8080, siteOpts));
    }
    for (const s of sites) await s.start();
    if (print !== null && cluster.isPrimary) {
      print(`======== Running on ${sites.map((s) => s.name).join(', ')} ========\n(Press CTRL+C to quit)`);
    }
    await stopped;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, stop);
    await runner.cleanup();
    // A worker's IPC channel to the primary would keep it alive.
    if (cluster.isWorker) cluster.worker?.disconnect();
  }
}

async function primary(workers: number, options: RunAppOptions | undefined, print: ((line: string) => void) | null): Promise<void> {
  const procs = Array.from({ length: workers }, () => cluster.fork());
  const addresses = await Promise.all(procs.map((w) => new Promise<string>((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`runApp(): worker ${w.process.pid ?? '?'} exited with code ${code} before listening`));
    w.once('listening', (a: { address: string | null; port: number; addressType: number | string }) => {
      w.off('exit', onExit);
      resolve(a.addressType === -1 || a.addressType === 'udp4' ? String(a.address) : `http://${a.address?.includes(':') === true ? `[${a.address}]` : a.address ?? '0.0.0.0'}:${a.port}`);
    });
    w.once('exit', onExit);
  })));
  if (print !== null) {
    print(`======== Running on ${[...new Set(addresses)].join(', ')} with ${workers} workers ========\n(Press CTRL+C to quit)`);
  }
  const exited = procs.map((w) => new Promise<void>((resolve) => {
    if (w.isDead()) resolve();
    else w.once('exit', () => resolve());
  }));
  const forward = (sig: NodeJS.Signals): void => {
    for (const w of procs) if (!w.isDead()) w.process.kill(sig);
  };
  if (options?.handleSignals ?? true) for (const s of STOP_SIGNALS) process.on(s, forward);
  try {
    await Promise.all(exited);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, forward);
  }
}

function noop(): void {}
