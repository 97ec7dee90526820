/**
 * `StreamWriter`, as asyncio's: writes to a socket, waits for it to drain,
 * closes it.
 * @module
 */
import type { Socket } from 'node:net';
import { type ConnectionOptions, type PeerCertificate, TLSSocket, type TlsOptions } from 'node:tls';
import { InvalidStateError } from '../errors.js';
import type { SignalOptions } from '../sleep.js';
import { describe, toSignal } from '../validate.js';
import { connectionLost, type SocketProtocol } from './socket-protocol.js';
import type { StreamReader } from './stream-reader.js';
import { upgradeToTls, type StartTlsOptions } from './start-tls.js';
import { checkOptions, knownOptions, SIGNAL_ONLY } from '../options.js';

const START_TLS_OPTIONS = knownOptions('signal', 'serverHostname', 'sslHandshakeTimeout');

/** What {@link StreamWriter.getExtraInfo} returns for each name. */
export interface ExtraInfo {
  /** The remote `[address, port]`, or the socket path of a Unix connection. */
  peername: [string, number] | string;
  /** The local `[address, port]`, or the socket path of a Unix connection. */
  sockname: [string, number] | string;
  /** The node:net (or node:tls) socket. */
  socket: Socket;
  /** The TLS options the connection was made with (Node's nearest thing to an SSLContext). */
  sslcontext: ConnectionOptions | TlsOptions;
  /** The peer's certificate (TLS only). */
  peercert: PeerCertificate;
  /** The negotiated cipher (TLS only). */
  cipher: ReturnType<TLSSocket['getCipher']>;
}

/** @internal How a writer's connection was made. */
export interface WriterInfo {
  readonly tls: ConnectionOptions | TlsOptions | undefined;
  readonly serverSide: boolean;
  /** The socket path of a Unix connection (reported as peername and sockname). */
  readonly path: string | undefined;
}

/** The names {@link StreamWriter.getExtraInfo} knows. */
export type ExtraInfoName = keyof ExtraInfo;

/**
 * The writing half of a connection, as `asyncio.StreamWriter`. `write()`
 * buffers; `await drain()` waits until the socket can take more.
 * @example
 * const [reader, writer] = await openConnection('example.com', 80);
 * writer.write('GET / HTTP/1.0\r\nHost: example.com\r\n\r\n');
 * await writer.drain();
 * console.log((await reader.readline()).toString());
 * writer.close();
 * await writer.waitClosed();
 */
export class StreamWriter implements AsyncDisposable {
  readonly #proto: SocketProtocol;
  #tlsOptions: ConnectionOptions | TlsOptions | undefined;
  readonly #serverSide: boolean;
  // Taken once the connection is up, as asyncio's transport does, so that they
  // are still known after the socket closed (Node forgets them with its handle).
  readonly #peername: [string, number] | string | undefined;
  readonly #sockname: [string, number] | string | undefined;
  #eofWritten = false;

  /** @internal Made by `openConnection` and `startServer`. */
  constructor(protocol: SocketProtocol, info: WriterInfo) {
    this.#proto = protocol;
    this.#tlsOptions = info.tls;
    this.#serverSide = info.serverSide;
    const s = protocol.socket;
    this.#peername = s.remoteAddress !== undefined && s.remotePort !== undefined ? [s.remoteAddress, s.remotePort] : info.path;
    this.#sockname = s.localAddress !== undefined && s.localPort !== undefined ? [s.localAddress, s.localPort] : info.path;
  }

  /** The underlying socket (asyncio's `writer.transport`). */
  get transport(): Socket {
    return this.#proto.socket;
  }

  /** Queue `data` for sending (a string is sent as UTF-8). Throws `InvalidStateError` after `close()` or `writeEof()`. */
  write(data: Uint8Array | string): void {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError(`StreamWriter.write(): data must be a Buffer, Uint8Array or string, got ${describe(data)}`);
    }
    this.#checkWritable('write');
    const s = this.#proto.socket;
    // As asyncio: once the connection is lost, writes are dropped and drain() reports the error.
    if (!s.destroyed) s.write(data);
  }

  /** Write each buffer of `lines`, in order (no separator is added). */
  writelines(lines: Iterable<Uint8Array | string>): void {
    if (lines === null || typeof lines !== 'object' || typeof (lines as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`StreamWriter.writelines(): lines must be an iterable of buffers, got ${describe(lines)}`);
    }
    for (const l of lines) this.write(l);
  }

  /**
   * Wait until the socket's write buffer is below its high-water mark.
   * Rejects with the connection's error (e.g. `ECONNRESET`), or with
   * "Connection lost" when called on a closed socket; never hangs on a dead
   * peer. A drain already waiting when the connection closes without an
   * error (after `close()`) resolves, as in asyncio.
   */
  async drain(options?: SignalOptions): Promise<void> {
    if (options !== undefined) checkOptions('StreamWriter.drain()', options, SIGNAL_ONLY);
    const signal = toSignal('StreamWriter.drain()', options?.signal);
    const p = this.#proto;
    const readerError = p.reader?.exception();
    if (readerError !== null && readerError !== undefined) throw readerError;
    if (p.error !== undefined) throw p.error;
    const s = p.socket;
    if (s.destroyed) throw connectionLost();
    if (!s.writableNeedDrain) return;
    await p.waitDrain(signal);
  }

  /** True when the transport supports `writeEof()` (plain TCP and Unix sockets; not TLS, as in asyncio). */
  canWriteEof(): boolean {
    return !(this.#proto.socket instanceof TLSSocket);
  }

  /** Close the sending half after the buffered data (TCP FIN); reading goes on. */
  writeEof(): void {
    if (!this.canWriteEof()) throw new InvalidStateError('StreamWriter.writeEof(): a TLS connection cannot half-close');
    this.#checkWritable('writeEof');
    this.#eofWritten = true;
    this.#proto.socket.end();
  }

  /** Flush the buffered data, then close the connection. Safe to call twice. */
  close(): void {
    const p = this.#proto;
    if (p.closing) return;
    p.closing = true;
    const s = p.socket;
    if (s.destroyed) return;
    if (!s.writableEnded) s.end();
    if (s.writableFinished) s.destroy();
    else s.once('finish', destroyOnFinish);
  }

  /** True once `close()` was called or the connection closed. */
  isClosing(): boolean {
    return this.#proto.closing || this.#proto.closed;
  }

  /** Wait until the connection is closed; rejects with its error if it failed before `close()`. */
  waitClosed(options?: SignalOptions): Promise<void> {
    try {
      checkOptions('StreamWriter.waitClosed()', options, SIGNAL_ONLY);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#proto.waitClosed(toSignal('StreamWriter.waitClosed()', options?.signal));
  }

  /**
   * Details of the connection, as asyncio's `get_extra_info`; `defaultValue`
   * when not available (e.g. `peercert` on plain TCP). `peername` and
   * `sockname` stay known after the connection closed.
   * @example
   * const [host, port] = writer.getExtraInfo('peername') as [string, number];
   */
  getExtraInfo<K extends ExtraInfoName>(name: K): ExtraInfo[K] | undefined;
  getExtraInfo<K extends ExtraInfoName, D>(name: K, defaultValue: D): ExtraInfo[K] | D;
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    const s = this.#proto.socket;
    let v: unknown;
    switch (name) {
      case 'socket': v = s; break;
      case 'peername': v = copy(this.#peername); break;
      case 'sockname': v = copy(this.#sockname); break;
      case 'sslcontext': v = this.#tlsOptions; break;
      case 'peercert': v = s instanceof TLSSocket ? nonEmpty(s.getPeerCertificate()) : undefined; break;
      case 'cipher': v = s instanceof TLSSocket ? s.getCipher() : undefined; break;
      default: throw new TypeError(`StreamWriter.getExtraInfo(): unknown name ${describe(name)}; expected peername, sockname, socket, sslcontext, peercert or cipher`);
    }
    return v ?? defaultValue;
  }

  /**
   * Upgrade the connection to TLS in place (STARTTLS), as asyncio's
   * `start_tls`. The reader keeps working over the encrypted stream.
   * @example
   * writer.write('STARTTLS\r\n'); await reader.readline();
   * await writer.startTls({ ca }, { serverHostname: 'mail.example.com' });
   */
  async startTls(ssl: ConnectionOptions | TlsOptions | true, options?: StartTlsOptions): Promise<void> {
    if (this.#proto.socket instanceof TLSSocket) throw new InvalidStateError('StreamWriter.startTls(): the connection already uses TLS');
    this.#checkWritable('startTls');
    checkOptions('StreamWriter.startTls()', options, START_TLS_OPTIONS);
    const opts = ssl === true ? {} : ssl;
    // As asyncio: what was written in clear goes out before the handshake starts.
    await this.drain(options?.signal === undefined ? undefined : { signal: options.signal });
    await upgradeToTls(this.#proto, opts, this.#serverSide, options);
    this.#tlsOptions = opts;
  }

  /** Close and wait until closed, for `await using writer = ...`. Errors of the connection are not rethrown. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    try {
      await this.waitClosed();
    } catch {
      // The connection failed: it is closed all the same.
    }
  }

  /** @internal The reader of this connection. */
  get _reader(): StreamReader | null {
    return this.#proto.reader;
  }

  #checkWritable(fn: string): void {
    if (this.#proto.closing) throw new InvalidStateError(`StreamWriter.${fn}(): the writer is closed`);
    if (this.#eofWritten) throw new InvalidStateError(`StreamWriter.${fn}(): called after writeEof()`);
  }
}

// A fresh pair per call: the caller may change what it gets.
function copy(name: [string, number] | string | undefined): [string, number] | string | undefined {
  return Array.isArray(name) ? [name[0], name[1]] : name;
}

function nonEmpty(cert: PeerCertificate): PeerCertificate | undefined {
  return Object.keys(cert).length === 0 ? undefined : cert;
}

// A 'finish' listener: `this` is the socket that finished writing.
function destroyOnFinish(this: Socket): void {
  this.destroy();
}
