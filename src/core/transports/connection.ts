/**
 * `loop.createConnection` and `loop.createUnixConnection`, as asyncio's
 * `create_connection`: connect, then hand the socket to a new protocol.
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { checkOptions, knownOptions } from '../options.js';
import type { SignalOptions } from '../sleep.js';
import { describe, toFunction, toSignal } from '../validate.js';
import { checkSignal } from '../suspend.js';
import { tlsTarget, toHost, toPath, toPort, toSsl, toTimeout } from '../streams/net-options.js';
import { waitSocket } from '../streams/wait-socket.js';
import type { ProtocolFactory, StreamProtocol } from './protocol.js';
import { SocketTransport } from './socket-transport.js';
import type { Transport } from './transport.js';

const OPTIONS = knownOptions('signal', 'ssl', 'serverHostname', 'localAddr', 'timeout');
const UNIX_OPTIONS = knownOptions('signal', 'ssl', 'serverHostname', 'timeout');
const ALIASES = {
  ssl_context: 'ssl', sslContext: 'ssl', server_hostname: 'serverHostname', local_addr: 'localAddr',
  ssl_handshake_timeout: 'timeout', sslHandshakeTimeout: 'timeout',
};

/** Options of {@link EventLoop.createConnection}. */
export interface CreateConnectionOptions extends SignalOptions {
  /** `true` for TLS with the default CAs, or Node's TLS options (`ca`, `rejectUnauthorized`, ...). @default plain TCP */
  readonly ssl?: boolean | ConnectionOptions;
  /** The name sent as SNI and checked against the certificate. @default host */
  readonly serverHostname?: string;
  /** The local `[address, port]` to bind to (port 0: any). */
  readonly localAddr?: readonly [string, number];
  /** Seconds allowed to connect (and finish the TLS handshake); `TimeoutError` past it. @default no limit */
  readonly timeout?: number;
}

/** Options of {@link EventLoop.createUnixConnection}. */
export type CreateUnixConnectionOptions = Omit<CreateConnectionOptions, 'localAddr'>;

/** @internal The body of `loop.createConnection`. */
export async function createConnection<P extends StreamProtocol>(
  protocolFactory: ProtocolFactory<P>, host: string, port: number, options?: CreateConnectionOptions,
): Promise<[Transport, P]> {
  const where = 'createConnection()';
  toFunction(where, 'protocolFactory', protocolFactory);
  toHost(where, host);
  toPort(where, port, false);
  checkOptions(where, options, OPTIONS, ALIASES);
  const o = options ?? {};
  const ssl = toSsl<ConnectionOptions>(where, o.ssl);
  const name = toServerHostname(where, o.serverHostname, ssl);
  const local = toLocalAddr(where, o.localAddr);
  const common = { host, port, allowHalfOpen: ssl === undefined, noDelay: true, ...local };
  return connectProtocol(where, protocolFactory, () => ssl === undefined ? netConnect(common) : tlsConnect({ ...ssl, ...common, ...tlsTarget(name ?? host) }), ssl, `${host}:${port}`, undefined, o);
}

/** @internal The body of `loop.createUnixConnection`. */
export async function createUnixConnection<P extends StreamProtocol>(
  protocolFactory: ProtocolFactory<P>, path: string, options?: CreateUnixConnectionOptions,
): Promise<[Transport, P]> {
  const where = 'createUnixConnection()';
  toFunction(where, 'protocolFactory', protocolFactory);
  toPath(where, path);
  checkOptions(where, options, UNIX_OPTIONS, ALIASES);
  const o = options ?? {};
  const ssl = toSsl<ConnectionOptions>(where, o.ssl);
  const name = toServerHostname(where, o.serverHostname, ssl);
  if (ssl !== undefined && name === undefined && ssl.servername === undefined) throw new TypeError(`${where}: ssl over a Unix socket needs serverHostname`);
  const common = { path, allowHalfOpen: ssl === undefined };
  return connectProtocol(where, protocolFactory, () => ssl === undefined ? netConnect(common) : tlsConnect({ ...ssl, ...common, ...(name === undefined ? {} : { servername: name }) }), ssl, path, path, o);
}

async function connectProtocol<P extends StreamProtocol>(
  where: string, factory: ProtocolFactory<P>, open: () => Socket, ssl: ConnectionOptions | undefined, target: string, path: string | undefined,
  o: CreateConnectionOptions,
): Promise<[Transport, P]> {
  const timeout = toTimeout(where, 'timeout', o.timeout);
  const signal = toSignal(where, o.signal);
  checkSignal(signal);
  const socket = open();
  // Until the transport listens, an error must not go unheard (it would crash the process).
  socket.on('error', noop);
  try {
    await waitSocket(socket, ssl === undefined ? 'connect' : 'secureConnect', { timeout, signal, what: `${where}: connecting to ${target}` });
    // As asyncio: the protocol is made once the connection is up.
    const protocol = factory();
    const transport = new SocketTransport(socket, protocol, { tls: ssl, path });
    transport._start();
    return [transport, protocol];
  } catch (e) {
    socket.destroy();
    throw e;
  } finally {
    socket.off('error', noop);
  }
}

/** @internal */
export function toServerHostname(where: string, name: unknown, ssl: object | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${where}: serverHostname must be a non-empty string, got ${describe(name)}`);
  if (ssl === undefined) throw new TypeError(`${where}: serverHostname is only meaningful with ssl`);
  return name;
}

function toLocalAddr(where: string, value: unknown): { localAddress?: string; localPort?: number } {
  if (value === undefined) return {};
  if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`${where}: localAddr must be [address, port], got ${describe(value)}`);
  return { localAddress: toHost(`${where} localAddr`, value[0]), localPort: toPort(`${where} localAddr`, value[1], true) };
}

function noop(): void {}
