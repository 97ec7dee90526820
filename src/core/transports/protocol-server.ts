/**
 * `loop.createServer` and `loop.createUnixServer` with a protocol factory,
 * as asyncio's `create_server`: each connection gets a new protocol and a
 * transport; the result is the same {@link Server} as `startServer`'s.
 * @module
 */
import type { TlsOptions } from 'node:tls';
import { checkOptions, knownOptions } from '../options.js';
import { toFunction } from '../validate.js';
import { toPath } from '../streams/net-options.js';
import { listenWith, tcpListenArgs, type Acceptor, type Server } from '../streams/server.js';
import type { ProtocolFactory, StreamProtocol } from './protocol.js';
import { report } from '../report.js';
import { SocketTransport } from './socket-transport.js';

const OPTIONS = knownOptions('ssl', 'backlog', 'reusePort');
const UNIX_OPTIONS = knownOptions('ssl', 'backlog');
const ALIASES = { ssl_context: 'ssl', sslContext: 'ssl', reuse_port: 'reusePort' };

/** Options of {@link EventLoop.createServer} with a protocol factory. */
export interface CreateServerOptions {
  /** Node's TLS server options (`key`, `cert`, ...) to serve TLS. @default plain TCP */
  readonly ssl?: TlsOptions;
  /** The listen backlog. @default 511 (Node's) */
  readonly backlog?: number;
  /** Let several processes listen on the same port (SO_REUSEPORT; Node >= 22.12). @default false */
  readonly reusePort?: boolean;
}

/** Options of {@link EventLoop.createUnixServer}. */
export type CreateUnixServerOptions = Omit<CreateServerOptions, 'reusePort'>;

/** @internal The body of `loop.createServer(protocolFactory, ...)`. */
export async function createProtocolServer(
  protocolFactory: ProtocolFactory<StreamProtocol>, host: string | null | undefined, port: number | undefined, options?: CreateServerOptions,
): Promise<Server> {
  const where = 'createServer()';
  toFunction(where, 'protocolFactory', protocolFactory);
  checkOptions(where, options, OPTIONS, ALIASES);
  const o = options ?? {};
  return listenWith(where, o, (ssl) => protocolAcceptor(protocolFactory, ssl, undefined), tcpListenArgs(where, host, port, o.reusePort));
}

/** @internal The body of `loop.createUnixServer`. */
export async function createUnixProtocolServer(protocolFactory: ProtocolFactory<StreamProtocol>, path: string, options?: CreateUnixServerOptions): Promise<Server> {
  const where = 'createUnixServer()';
  toFunction(where, 'protocolFactory', protocolFactory);
  toPath(where, path);
  checkOptions(where, options, UNIX_OPTIONS, ALIASES);
  const o = options ?? {};
  return listenWith(where, o, (ssl) => protocolAcceptor(protocolFactory, ssl, path), (_s, backlog) => ({ path, ...(backlog === undefined ? {} : { backlog }) }));
}

function protocolAcceptor(factory: ProtocolFactory<StreamProtocol>, ssl: TlsOptions | undefined, path: string | undefined): Acceptor {
  return (socket) => {
    let protocol: StreamProtocol;
    try {
      protocol = factory();
    } catch (e) {
      // As asyncio's _accept_connection2: reported, and only this connection is lost.
      report({ message: 'Error on transport creation for incoming connection', exception: e });
      socket.destroy();
      return;
    }
    new SocketTransport(socket, protocol, { tls: ssl, path })._start();
  };
}
