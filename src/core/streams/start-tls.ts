// Upgrading a live connection to TLS (STARTTLS), as asyncio's start_tls.
import { TLSSocket, connect, type ConnectionOptions, type TlsOptions } from 'node:tls';
import type { SignalOptions } from '../sleep.js';
import { describe, toDelay, toSignal } from '../validate.js';
import type { SocketProtocol } from './socket-protocol.js';
import { tlsTarget } from './net-options.js';
import { waitSocket } from './wait-socket.js';

/** Options of {@link StreamWriter.startTls}. */
export interface StartTlsOptions extends SignalOptions {
  /** The name to send (SNI) and check the certificate against (client side). @default the connected host */
  readonly serverHostname?: string;
  /** Seconds allowed for the handshake. @default 60 */
  readonly sslHandshakeTimeout?: number;
}

/** @internal */
export async function upgradeToTls(proto: SocketProtocol, ssl: ConnectionOptions | TlsOptions, serverSide: boolean, options: StartTlsOptions | undefined): Promise<void> {
  const where = 'StreamWriter.startTls()';
  if (ssl === null || typeof ssl !== 'object') throw new TypeError(`${where}: ssl must be true or TLS options, got ${describe(ssl)}`);
  const timeout = toDelay(where, 'sslHandshakeTimeout', options?.sslHandshakeTimeout ?? 60);
  const signal = toSignal(where, options?.signal);
  const name = options?.serverHostname;
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`${where}: serverHostname must be a string, got ${describe(name)}`);
  const raw = proto.socket;
  let secure: TLSSocket;
  let event: string;
  if (serverSide) {
    secure = new TLSSocket(raw, { ...(ssl as TlsOptions), isServer: true });
    event = 'secure';
  } else {
    const target = name ?? (ssl as ConnectionOptions).servername ?? raw.remoteAddress ?? 'localhost';
    secure = connect({ ...(ssl as ConnectionOptions), socket: raw, ...tlsTarget(target) });
    event = 'secureConnect';
  }
  // The TLS socket inherits the plain socket's allowHalfOpen (true, for
  // writeEof). Over TLS that would leave a handshake the peer walked out of
  // waiting for its timeout, and a finished connection half-open: close on the
  // peer's EOF instead, as a direct TLS connection and asyncio's SSL transport do.
  secure.allowHalfOpen = false;
  proto.replaceSocket(secure);
  await waitSocket(secure, event, { timeout, signal, what: `${where}: the TLS handshake` });
}
