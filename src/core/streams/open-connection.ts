/**
 * `openConnection` and `openUnixConnection`, as asyncio's `open_connection`.
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { SignalOptions } from '../sleep.js';
import { checkSignal } from '../suspend.js';
import { describe, toSignal } from '../validate.js';
import { tlsTarget, toHost, toLimit, toPath, toPort, toSsl, toTimeout } from './net-options.js';
import { SocketProtocol } from './socket-protocol.js';
import { StreamReader } from './stream-reader.js';
import { StreamWriter } from './stream-writer.js';
import { waitSocket } from './wait-socket.js';
import { checkOptions, knownOptions } from '../options.js';

const OPEN_OPTIONS = knownOptions('signal', 'ssl', 'serverHostname', 'limit', 'localAddr', 'timeout');
const OPEN_UNIX_OPTIONS = knownOptions('signal', 'ssl', 'serverHostname', 'limit', 'timeout');
// asyncio's names whose aiots name is not their camelCase.
const ALIASES = { ssl_context: 'ssl', sslContext: 'ssl', ssl_handshake_timeout: 'timeout', sslHandshakeTimeout: 'timeout' };

/** Options of {@link openConnection}. */
export interface OpenConnectionOptions extends SignalOptions {
  /** `true` for TLS with the default CAs, or Node's TLS options (`ca`, `rejectUnauthorized`, ...). @default plain TCP */
  readonly ssl?: boolean | ConnectionOptions;
  /** The name sent as SNI and checked against the certificate. @default host */
  readonly serverHostname?: string;
  /** The reader's limit in bytes (longest line, flow-control mark). @default 65536 */
  readonly limit?: number;
  /** The local `[address, port]` to bind to (port 0: any). */
  readonly localAddr?: readonly [string, number];
  /** Seconds allowed to connect (and finish the TLS handshake); `TimeoutError` past it. @default no limit */
  readonly timeout?: number;
}

/** Options of {@link openUnixConnection}. */
export type OpenUnixConnectionOptions = Omit<OpenConnectionOptions, 'localAddr'>;

/**
 * Connect to `host:port` and return a reader and a writer, as
 * `asyncio.open_connection`. Cancelling the current task (or `signal`, or
 * `timeout`) while connecting destroys the socket. Errors are Node's, with
 * their `code` (`ECONNREFUSED`, `ENOTFOUND`, `DEPTH_ZERO_SELF_SIGNED_CERT`...).
 * @example
 * const [reader, writer] = await openConnection('example.com', 443, { ssl: true, timeout: 10 });
 * writer.write('HEAD / HTTP/1.0\r\nHost: example.com\r\n\r\n');
 * console.log((await reader.readline()).toString());
 * writer.close();
 */
export async function openConnection(host: string, port: number, options?: OpenConnectionOptions): Promise<[StreamReader, StreamWriter]> {
  const where = 'openConnection()';
  toHost(where, host);
  toPort(where, port, false);
  checkOptions(where, options, OPEN_OPTIONS, ALIASES);
  const o = options ?? {};
  const ssl = toSsl<ConnectionOptions>(where, o.ssl);
  const name = o.serverHostname;
  if (name !== undefined) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${where}: serverHostname must be a non-empty string, got ${describe(name)}`);
    if (ssl === undefined) throw new TypeError(`${where}: serverHostname is only meaningful with ssl`);
  }
  const local = toLocalAddr(where, o.localAddr);
  const common = { host, port, allowHalfOpen: ssl === undefined, noDelay: true, ...local };
  return connectStreams(where, () => ssl === undefined ? netConnect(common) : tlsConnect({ ...ssl, ...common, ...tlsTarget(name ?? host) }), ssl, `${host}:${port}`, undefined, o);
}

/**
 * Connect to the Unix socket at `path`, as `asyncio.open_unix_connection`.
 * @example
 * const [reader, writer] = await openUnixConnection('/run/app.sock');
 */
export async function openUnixConnection(path: string, options?: OpenUnixConnectionOptions): Promise<[StreamReader, StreamWriter]> {
  const where = 'openUnixConnection()';
  toPath(where, path);
  checkOptions(where, options, OPEN_UNIX_OPTIONS, ALIASES);
  const o = options ?? {};
  const ssl = toSsl<ConnectionOptions>(where, o.ssl);
  const name = o.serverHostname;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw new TypeError(`${where}: serverHostname must be a non-empty string, got ${describe(name)}`);
  if (name !== undefined && ssl === undefined) throw new TypeError(`${where}: serverHostname is only meaningful with ssl`);
  if (ssl !== undefined && name === undefined && ssl.servername === undefined) throw new TypeError(`${where}: ssl over a Unix socket needs serverHostname`);
  const common = { path, allowHalfOpen: ssl === undefined };
  return connectStreams(where, () => ssl === undefined ? netConnect(common) : tlsConnect({ ...ssl, ...common, ...(name === undefined ? {} : { servername: name }) }), ssl, path, path, o);
}

async function connectStreams(
  where: string, open: () => Socket, ssl: ConnectionOptions | undefined, target: string, path: string | undefined, o: OpenConnectionOptions,
): Promise<[StreamReader, StreamWriter]> {
  const limit = toLimit(where, o.limit);
  const timeout = toTimeout(where, 'timeout', o.timeout);
  const signal = toSignal(where, o.signal);
  checkSignal(signal);
  const socket = open();
  const reader = new StreamReader(limit === undefined ? undefined : { limit });
  // Wired at once, so that no socket event (an early error) goes unheard.
  const proto = new SocketProtocol(socket, reader);
  await waitSocket(socket, ssl === undefined ? 'connect' : 'secureConnect', { timeout, signal, what: `${where}: connecting to ${target}` });
  return [reader, new StreamWriter(proto, { tls: ssl, serverSide: false, path })];
}

function toLocalAddr(where: string, value: unknown): { localAddress?: string; localPort?: number } {
  if (value === undefined) return {};
  if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`${where}: localAddr must be [address, port], got ${describe(value)}`);
  return { localAddress: toHost(`${where} localAddr`, value[0]), localPort: toPort(`${where} localAddr`, value[1], true) };
}
