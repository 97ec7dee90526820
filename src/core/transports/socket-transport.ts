/**
 * The stream transport over a node:net (or node:tls) socket, as asyncio's
 * `_SelectorSocketTransport`: socket events become protocol callbacks, and
 * writes are buffered by the socket with water marks for flow control.
 * @module
 */
import type { Socket } from 'node:net';
import { type ConnectionOptions, TLSSocket, type TlsOptions } from 'node:tls';
import { InvalidStateError } from '../errors.js';
import type { ExtraInfo, ExtraInfoName } from '../streams/stream-writer.js';
import { describe } from '../validate.js';
import type { BufferedProtocol, Protocol, StreamProtocol } from './protocol.js';
import { LOG_THRESHOLD_FOR_CONNLOST_WRITES, reportCallback, warnDroppedWrites } from './report-callback.js';
import type { Transport, WriteBufferLimits } from './transport.js';
import { DEFAULT_HIGH, toWriteLimits } from './write-limits.js';

/** @internal How the connection was made. */
export interface SocketInfo {
  readonly tls: ConnectionOptions | TlsOptions | undefined;
  /** The socket path of a Unix connection (reported as peername and sockname). */
  readonly path: string | undefined;
}

/** @internal Made by `loop.createConnection` and `loop.createServer`; users see the {@link Transport} interface. */
export class SocketTransport implements Transport {
  readonly #socket: Socket;
  #protocol: StreamProtocol;
  readonly #tls: ConnectionOptions | TlsOptions | undefined;
  readonly #peername: [string, number] | string | undefined;
  readonly #sockname: [string, number] | string | undefined;
  #low = DEFAULT_HIGH / 4;
  #high = DEFAULT_HIGH;
  #protocolPaused = false;
  #reading = true;
  #closing = false;
  #eofWritten = false;
  #lost = false;
  #droppedWrites = 0;
  #error: Error | null = null;
  readonly #onData: (chunk: Buffer) => void;
  readonly #onWritten: () => void;

  constructor(socket: Socket, protocol: StreamProtocol, info: SocketInfo) {
    this.#socket = socket;
    this.#protocol = protocol;
    this.#tls = info.tls;
    // Taken now: Node forgets them once the handle is closed.
    this.#peername = socket.remoteAddress !== undefined && socket.remotePort !== undefined ? [socket.remoteAddress, socket.remotePort] : info.path;
    this.#sockname = socket.localAddress !== undefined && socket.localPort !== undefined ? [socket.localAddress, socket.localPort] : info.path;
    this.#onData = typeof (protocol as Partial<BufferedProtocol>).getBuffer === 'function' ? (c) => this.#bufferedData(c) : (c) => this.#data(c);
    this.#onWritten = () => this.#written();
    socket.on('error', (e: Error) => {
      this.#error ??= e;
    });
    socket.on('close', () => this.#closed());
  }

  /** @internal Call `connectionMade`, then start delivering data (as asyncio: no data before connectionMade). */
  _start(): void {
    try {
      this.#protocol.connectionMade(this);
    } catch (e) {
      reportCallback('connectionMade', e, true);
      this.#fatal(e);
      return;
    }
    const s = this.#socket;
    if (s.destroyed) return;
    s.on('end', () => this.#eofReceived());
    s.on('drain', this.#onWritten);
    if (!this.#closing) s.on('data', this.#onData);
  }

  /** The protocol receiving this transport's events. */
  getProtocol(): StreamProtocol {
    return this.#protocol;
  }

  /** Hand the connection to another protocol (asyncio's `set_protocol`). */
  setProtocol(protocol: StreamProtocol): void {
    if (protocol === null || typeof protocol !== 'object') throw new TypeError(`Transport.setProtocol(): protocol must be a protocol object, got ${describe(protocol)}`);
    this.#protocol = protocol;
  }

  write(data: Uint8Array | string): void {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError(`Transport.write(): data must be a Buffer, Uint8Array or string, got ${describe(data)}`);
    }
    if (this.#eofWritten) throw new InvalidStateError('Transport.write(): cannot write after writeEof()');
    if (this.#closing || this.#lost || this.#socket.destroyed) {
      if (++this.#droppedWrites === LOG_THRESHOLD_FOR_CONNLOST_WRITES) warnDroppedWrites('Transport.write()');
      return;
    }
    if (data.length === 0) return;
    const s = this.#socket;
    // Only a write that leaves the buffer past the low mark needs to tell us
    // when it is flushed (to resume a paused protocol): the fast path, where
    // the kernel takes everything at once, passes no callback.
    if (s.writableLength + data.length > this.#low) {
      s.write(data, this.#onWritten);
      if (!this.#protocolPaused && s.writableLength > this.#high) this.#pauseProtocol();
    } else {
      s.write(data);
    }
  }

  writelines(list: Iterable<Uint8Array | string>): void {
    if (list === null || typeof list !== 'object' || typeof (list as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`Transport.writelines(): list must be an iterable of buffers, got ${describe(list)}`);
    }
    const s = this.#socket;
    s.cork();
    try {
      for (const d of list) this.write(d);
    } finally {
      s.uncork();
    }
  }

  writeEof(): void {
    if (!this.canWriteEof()) throw new InvalidStateError('Transport.writeEof(): a TLS connection cannot half-close');
    if (this.#closing || this.#eofWritten) return;
    this.#eofWritten = true;
    this.#socket.end();
  }

  canWriteEof(): boolean {
    return !(this.#socket instanceof TLSSocket);
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    const s = this.#socket;
    // As asyncio: no data is delivered after close().
    s.off('data', this.#onData);
    if (s.destroyed) return;
    if (!s.writableEnded) s.end();
    if (s.writableFinished) s.destroy();
    else s.once('finish', destroyOnFinish);
  }

  abort(): void {
    this.#closing = true;
    this.#socket.destroy();
  }

  isClosing(): boolean {
    return this.#closing || this.#lost;
  }

  pauseReading(): void {
    if (this.#closing || !this.#reading) return;
    this.#reading = false;
    this.#socket.pause();
  }

  resumeReading(): void {
    if (this.#closing || this.#reading) return;
    this.#reading = true;
    this.#socket.resume();
  }

  isReading(): boolean {
    return this.#reading && !this.#closing && !this.#lost;
  }

  getWriteBufferSize(): number {
    return this.#socket.writableLength;
  }

  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  setWriteBufferLimits(limits?: WriteBufferLimits): void {
    [this.#low, this.#high] = toWriteLimits('Transport.setWriteBufferLimits()', limits);
    const size = this.#socket.writableLength;
    if (!this.#protocolPaused && size > this.#high) this.#pauseProtocol();
    else if (this.#protocolPaused && size <= this.#low) this.#resumeProtocol();
  }

  getExtraInfo<K extends ExtraInfoName>(name: K): ExtraInfo[K] | undefined;
  getExtraInfo<K extends ExtraInfoName, D>(name: K, defaultValue: D): ExtraInfo[K] | D;
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    const s = this.#socket;
    let v: unknown;
    switch (name) {
      case 'socket': v = s; break;
      case 'peername': v = copy(this.#peername); break;
      case 'sockname': v = copy(this.#sockname); break;
      case 'sslcontext': v = this.#tls; break;
      case 'peercert': v = s instanceof TLSSocket ? nonEmpty(s.getPeerCertificate()) : undefined; break;
      case 'cipher': v = s instanceof TLSSocket ? s.getCipher() : undefined; break;
      default: throw new TypeError(`Transport.getExtraInfo(): unknown name ${describe(name)}; expected peername, sockname, socket, sslcontext, peercert or cipher`);
    }
    return v ?? defaultValue;
  }

  #data(chunk: Buffer): void {
    try {
      (this.#protocol as Protocol).dataReceived(chunk);
    } catch (e) {
      reportCallback('dataReceived', e, true);
      this.#fatal(e);
    }
  }

  #bufferedData(chunk: Buffer): void {
    const p = this.#protocol as BufferedProtocol;
    let off = 0;
    while (off < chunk.length) {
      let buf: Uint8Array;
      try {
        buf = p.getBuffer(chunk.length - off);
        if (!(buf instanceof Uint8Array) || buf.length === 0) throw new TypeError(`getBuffer() returned an empty buffer or not a buffer: ${describe(buf)}`);
      } catch (e) {
        reportCallback('getBuffer', e, true);
        this.#fatal(e);
        return;
      }
      const n = chunk.copy(buf, 0, off, Math.min(chunk.length, off + buf.length));
      off += n;
      try {
        p.bufferUpdated(n);
      } catch (e) {
        reportCallback('bufferUpdated', e, true);
        this.#fatal(e);
        return;
      }
    }
  }

  #eofReceived(): void {
    let keepOpen: boolean | void;
    try {
      keepOpen = this.#protocol.eofReceived();
    } catch (e) {
      reportCallback('eofReceived', e, true);
      this.#fatal(e);
      return;
    }
    if (keepOpen !== true) this.close();
  }

  #written(): void {
    if (this.#protocolPaused && this.#socket.writableLength <= this.#low) this.#resumeProtocol();
  }

  #pauseProtocol(): void {
    this.#protocolPaused = true;
    try {
      this.#protocol.pauseWriting();
    } catch (e) {
      reportCallback('pauseWriting', e, false);
    }
  }

  #resumeProtocol(): void {
    this.#protocolPaused = false;
    try {
      this.#protocol.resumeWriting();
    } catch (e) {
      reportCallback('resumeWriting', e, false);
    }
  }

  #fatal(e: unknown): void {
    this.#error ??= e instanceof Error ? e : new Error(String(e));
    this.abort();
  }

  #closed(): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#protocolPaused = false;
    try {
      this.#protocol.connectionLost(this.#error);
    } catch (e) {
      reportCallback('connectionLost', e, false);
    }
  }
}

// A fresh pair per call: the caller may change what it gets.
function copy(name: [string, number] | string | undefined): [string, number] | string | undefined {
  return Array.isArray(name) ? [name[0], name[1]] : name;
}

function nonEmpty<T extends object>(cert: T): T | undefined {
  return Object.keys(cert).length === 0 ? undefined : cert;
}

// A 'finish' listener: `this` is the socket that finished writing.
function destroyOnFinish(this: Socket): void {
  this.destroy();
}
