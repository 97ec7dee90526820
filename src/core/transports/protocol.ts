/**
 * The protocol classes, as asyncio's `BaseProtocol`, `Protocol`,
 * `BufferedProtocol` and `DatagramProtocol`: subclass one and override the
 * callbacks the transport calls. Every callback has a do-nothing default, so a
 * subclass overrides only what it needs.
 * @module
 */
import type { DatagramTransport } from './datagram-transport.js';
import type { Transport } from './transport.js';

/**
 * What every protocol has: the connection's start and end, and flow control
 * of writing (`pauseWriting` when the transport's buffer passes its high-water
 * mark, `resumeWriting` when it falls to the low one).
 */
export class BaseProtocol<T = Transport | DatagramTransport> {
  /** The connection is up; `transport` is how to write to it. */
  connectionMade(transport: T): void {
    void transport;
  }

  /** The connection is gone: `exc` is its error, or null for a clean close (EOF, `close()`, `abort()`). */
  connectionLost(exc: Error | null): void {
    void exc;
  }

  /** The transport's write buffer passed its high-water mark: stop writing until `resumeWriting`. */
  pauseWriting(): void {}

  /** The transport's write buffer fell to its low-water mark: write again. */
  resumeWriting(): void {}
}

/**
 * A stream protocol (TCP, TLS, Unix sockets), as `asyncio.Protocol`.
 * @example
 * class Echo extends Protocol {
 *   #transport!: Transport;
 *   override connectionMade(transport: Transport) { this.#transport = transport; }
 *   override dataReceived(data: Buffer) { this.#transport.write(data); }
 * }
 * const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8888);
 */
export class Protocol extends BaseProtocol<Transport> {
  /** Bytes arrived. */
  dataReceived(data: Buffer): void {
    void data;
  }

  /**
   * The peer closed its sending half (TCP FIN). Return true to keep the
   * connection open for writing (half-close); otherwise the transport closes.
   */
  eofReceived(): boolean | void {
    return false;
  }
}

/**
 * A stream protocol that reads into buffers of its own, as
 * `asyncio.BufferedProtocol`: the transport asks `getBuffer(sizeHint)` for room,
 * copies what arrived into it and calls `bufferUpdated(nbytes)`.
 */
export class BufferedProtocol extends BaseProtocol<Transport> {
  /** A buffer to receive into (at least one byte; `sizeHint` is how many bytes are waiting, or -1). */
  getBuffer(sizeHint: number): Uint8Array {
    void sizeHint;
    throw new TypeError('BufferedProtocol.getBuffer() must be overridden');
  }

  /** `nbytes` bytes were written into the buffer `getBuffer` returned. */
  bufferUpdated(nbytes: number): void {
    void nbytes;
  }

  /** As {@link Protocol.eofReceived}. */
  eofReceived(): boolean | void {
    return false;
  }
}

/**
 * A UDP protocol, as `asyncio.DatagramProtocol`.
 * @example
 * class EchoServer extends DatagramProtocol {
 *   #transport!: DatagramTransport;
 *   override connectionMade(transport: DatagramTransport) { this.#transport = transport; }
 *   override datagramReceived(data: Buffer, addr: [string, number]) { this.#transport.sendto(data, addr); }
 * }
 */
export class DatagramProtocol extends BaseProtocol<DatagramTransport> {
  /** A datagram arrived from `addr`. */
  datagramReceived(data: Buffer, addr: [string, number]): void {
    void data;
    void addr;
  }

  /** A send or receive failed (e.g. `EMSGSIZE`, or `ECONNREFUSED` on a connected endpoint); the endpoint stays open. */
  errorReceived(exc: Error): void {
    void exc;
  }
}

/** What {@link EventLoop.createConnection} and {@link EventLoop.createServer} accept as a protocol. */
export type StreamProtocol = Protocol | BufferedProtocol;

/** A function that makes a new protocol per connection, as asyncio's `protocol_factory`. */
export type ProtocolFactory<P> = () => P;
