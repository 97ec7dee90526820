/**
 * `startServer`, `startUnixServer` and `Server`, as asyncio's `start_server`
 * and `asyncio.Server`.
 * @module
 */
import { createServer as netCreateServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as tlsCreateServer, type TlsOptions } from 'node:tls';
import { Future } from '../future.js';
import { report } from '../report.js';
import type { SignalOptions } from '../sleep.js';
import { suspend } from '../suspend.js';
import { createTask, type Task } from '../task.js';
import { describe, toFunction, toInt, toSignal } from '../validate.js';
import { toHost, toLimit, toPath, toPort, toSsl } from './net-options.js';
import { SocketProtocol } from './socket-protocol.js';
import { StreamReader } from './stream-reader.js';
import { StreamWriter } from './stream-writer.js';
import { checkOptions, knownOptions, SIGNAL_ONLY } from '../options.js';

const SERVER_OPTIONS = knownOptions('limit', 'ssl', 'backlog', 'reusePort');
const UNIX_SERVER_OPTIONS = knownOptions('limit', 'ssl', 'backlog');
const ALIASES = { ssl_context: 'ssl', sslContext: 'ssl' };

/** What `startServer` calls for each connection, in a task of its own. */
export type ClientConnected = (reader: StreamReader, writer: StreamWriter) => void | Promise<void>;

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Each reader's limit in bytes. @default 65536 */
  readonly limit?: number;
  /** Node's TLS server options (`key`, `cert`, ...) to serve TLS. @default plain TCP */
  readonly ssl?: TlsOptions;
  /** The listen backlog. @default 511 (Node's) */
  readonly backlog?: number;
  /** Let several processes listen on the same port (SO_REUSEPORT; Node >= 22.12). @default false */
  readonly reusePort?: boolean;
}

/** Options of {@link startUnixServer}. */
export type StartUnixServerOptions = Omit<StartServerOptions, 'reusePort'>;

/**
 * A listening server, as `asyncio.Server`. `close()` stops listening;
 * `waitClosed()` then waits for the open connections to end (asyncio 3.12).
 * @example
 * await using server = await startServer(handle, '127.0.0.1', 8888);
 * console.log('serving on', server.address());
 * await server.serveForever();
 */
export class Server implements AsyncDisposable {
  readonly #server: NetServer;
  readonly #sockets = new Set<Socket>();
  readonly #tasks = new Set<Task<void>>();
  #serving = true;
  #closed = false;
  #closeWaiters: Future<void>[] = [];
  #foreverWaiters: Future<void>[] = [];

  /** @internal Made by {@link startServer} and `loop.createServer`: `accept` takes each new connection. */
  constructor(server: NetServer, accept: Acceptor, tls: boolean) {
    this.#server = server;
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      if (!tls) socket.setNoDelay(true);
      accept(socket, this);
    });
    // A failed TLS handshake only loses that connection; Node destroys it.
    if (tls) server.on('tlsClientError', noop);
    server.on('error', (e) => report({ message: 'Server error', exception: e }));
    server.on('close', () => this.#onClose());
  }

  /** The listening endpoints, as asyncio's `server.sockets` (Node exposes addresses, not socket objects). */
  get sockets(): readonly (AddressInfo | string)[] {
    const a = this.#server.address();
    return a === null ? [] : [a];
  }

  /** The address being listened on: `{ address, family, port }`, a path for a Unix server, or null once closed. */
  address(): AddressInfo | string | null {
    return this.#server.address();
  }

  /** True while the server accepts connections. */
  isServing(): boolean {
    return this.#serving;
  }

  /** The connections open now. */
  get connections(): ReadonlySet<Socket> {
    return this.#sockets;
  }

  /** Stop listening. Open connections are left alone (see `closeClients()`, `abortClients()`). */
  close(): void {
    if (!this.#serving) return;
    this.#serving = false;
    this.#server.close();
    const fs = this.#foreverWaiters;
    this.#foreverWaiters = [];
    for (const f of fs) if (!f.done()) f.setResult();
  }

  /** Close every open connection after its buffered data (asyncio 3.13 `close_clients`). */
  closeClients(): void {
    for (const s of this.#sockets) s.end(() => s.destroy());
  }

  /** Destroy every open connection now (asyncio 3.13 `abort_clients`). */
  abortClients(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /** Wait until the server is closed and its connections have ended. */
  async waitClosed(options?: SignalOptions): Promise<void> {
    checkOptions('Server.waitClosed()', options, SIGNAL_ONLY);
    const signal = toSignal('Server.waitClosed()', options?.signal);
    if (this.#closed) return;
    const fut = new Future<void>();
    this.#closeWaiters.push(fut);
    await suspend(fut, signal);
  }

  /**
   * Serve until `close()` is called (then resolve) or the calling task is
   * cancelled (then close, wait for the connections, and rethrow).
   */
  async serveForever(options?: SignalOptions): Promise<void> {
    checkOptions('Server.serveForever()', options, SIGNAL_ONLY);
    const signal = toSignal('Server.serveForever()', options?.signal);
    if (!this.#serving) return;
    const fut = new Future<void>();
    this.#foreverWaiters.push(fut);
    try {
      await suspend(fut, signal);
    } catch (e) {
      this.close();
      await this.waitClosed();
      throw e;
    }
  }

  /** `close()` then `waitClosed()`, for `await using server = ...`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  /** @internal The tasks running connection callbacks now. */
  get _tasks(): ReadonlySet<Task<void>> {
    return this.#tasks;
  }

  /** @internal Track a connection's task until it is done. */
  _addTask(task: Task<void>): void {
    this.#tasks.add(task);
    task.addDoneCallback((t) => this.#tasks.delete(t));
  }

  #onClose(): void {
    this.#closed = true;
    this.#serving = false;
    const ws = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const f of ws) if (!f.done()) f.setResult();
  }
}

/**
 * Listen on `host:port` and call `clientConnected(reader, writer)` for each
 * connection, each in a task of its own, as `asyncio.start_server`. Port 0
 * picks a free port (see `server.address()`); host `undefined` listens on
 * every interface. A callback that throws is reported and only its connection closes.
 * @example
 * const server = await startServer(async (reader, writer) => {
 *   for await (const line of reader) writer.write(line);
 *   writer.close();
 * }, '127.0.0.1', 0);
 * const { port } = server.address() as AddressInfo;
 */
export async function startServer(clientConnected: ClientConnected, host?: string | null, port?: number, options?: StartServerOptions): Promise<Server> {
  const where = 'startServer()';
  toFunction(where, 'clientConnected', clientConnected);
  checkOptions(where, options, SERVER_OPTIONS, ALIASES);
  const o = options ?? {};
  return listen(where, clientConnected, o, undefined, tcpListenArgs(where, host, port, o.reusePort));
}

/** @internal Validate `host`, `port` and `reusePort` and make the `server.listen()` arguments of them. */
export function tcpListenArgs(where: string, host: unknown, port: unknown, reusePort: unknown): (s: NetServer, backlog: number | undefined) => ListenArgs {
  const h = host === undefined || host === null ? undefined : toHost(where, host);
  const p = port === undefined ? 0 : toPort(where, port, true);
  if (reusePort !== undefined && typeof reusePort !== 'boolean') throw new TypeError(`${where}: reusePort must be a boolean, got ${describe(reusePort)}`);
  if (reusePort === true && !supportsReusePort()) throw new RangeError(`${where}: reusePort needs Node >= 22.12, this is ${process.version}`);
  return (_s, backlog) => ({
    port: p, ...(h === undefined ? {} : { host: h }), ...(backlog === undefined ? {} : { backlog }), ...(reusePort === true ? { reusePort } : {}),
  });
}

/**
 * As {@link startServer}, listening on the Unix socket `path`
 * (`asyncio.start_unix_server`). The socket file is removed on close.
 * @example
 * const server = await startUnixServer(handle, '/tmp/app.sock');
 */
export async function startUnixServer(clientConnected: ClientConnected, path: string, options?: StartUnixServerOptions): Promise<Server> {
  const where = 'startUnixServer()';
  toFunction(where, 'clientConnected', clientConnected);
  toPath(where, path);
  checkOptions(where, options, UNIX_SERVER_OPTIONS, ALIASES);
  return listen(where, clientConnected, options ?? {}, path, (_s, backlog) => ({ path, ...(backlog === undefined ? {} : { backlog }) }));
}

/** @internal What a server does with each accepted connection. */
export type Acceptor = (socket: Socket, server: Server) => void;

// The streams acceptor: a reader/writer pair and a task per connection.
function streamAcceptor(cb: ClientConnected, limit: number | undefined, ssl: TlsOptions | undefined, path: string | undefined): Acceptor {
  return (socket, server) => {
    const reader = new StreamReader(limit === undefined ? undefined : { limit });
    const writer = new StreamWriter(new SocketProtocol(socket, reader), { tls: ssl, serverSide: true, path });
    const peer = path ?? `${socket.remoteAddress}:${socket.remotePort}`;
    const task = createTask(() => cb(reader, writer), { name: `client ${peer}` });
    server._addTask(task);
    task.addDoneCallback(onTaskDone(writer));
  };
}

function onTaskDone(writer: StreamWriter): (t: Task<void>) => void {
  return (t) => {
    if (t.cancelled()) {
      writer.transport.destroy();
      return;
    }
    const e = t.exception();
    if (e === null) return;
    // As asyncio: report the error and close only this connection.
    report({ message: 'Unhandled exception in client_connected_cb', exception: e, task: t.getName() });
    writer.transport.destroy();
  };
}

/** @internal */
export type ListenArgs = { port: number; host?: string; backlog?: number; reusePort?: boolean } | { path: string; backlog?: number };

async function listen(
  where: string, cb: ClientConnected, o: StartServerOptions, path: string | undefined, args: (s: NetServer, backlog: number | undefined) => ListenArgs,
): Promise<Server> {
  const limit = toLimit(where, o.limit);
  return listenWith(where, o, (ssl) => streamAcceptor(cb, limit, ssl, path), args);
}

/** @internal Listen as `o` says and serve each connection with the acceptor `make(ssl)` returns. */
export async function listenWith(
  where: string, o: Omit<StartServerOptions, 'limit'>, make: (ssl: TlsOptions | undefined) => Acceptor, args: (s: NetServer, backlog: number | undefined) => ListenArgs,
): Promise<Server> {
  const backlog = o.backlog === undefined ? undefined : toInt(where, 'backlog', o.backlog, 0);
  const ssl = toSsl<TlsOptions>(where, o.ssl);
  // Half-open TCP as asyncio (reading on after the peer's FIN); TLS closes on the peer's close_notify, as asyncio's SSL transport.
  const server = ssl === undefined ? netCreateServer({ allowHalfOpen: true }) : tlsCreateServer({ ...ssl });
  const fut = new Future<void>();
  const onError = (e: Error): void => {
    if (!fut.done()) fut.setException(e);
  };
  server.once('error', onError);
  server.listen(args(server, backlog), () => {
    if (!fut.done()) fut.setResult();
  });
  try {
    await suspend(fut, undefined);
  } catch (e) {
    server.close();
    throw e;
  } finally {
    server.off('error', onError);
  }
  return new Server(server, make(ssl), ssl !== undefined);
}

/** @internal True where node:net and node:dgram take reusePort (Node >= 22.12). */
export function supportsReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

function noop(): void {}
