/**
 * The UDP transport over a node:dgram socket, as asyncio's
 * `DatagramTransport`: each datagram is one `datagramReceived` call, and
 * `sendto` sends one datagram.
 * @module
 */
import type { Socket as DgramSocket } from 'node:dgram';
import { describe } from '../validate.js';
import type { DatagramProtocol } from './protocol.js';
import { LOG_THRESHOLD_FOR_CONNLOST_WRITES, reportCallback, warnDroppedWrites } from './report-callback.js';

/** What {@link DatagramTransport.getExtraInfo} returns for each name. */
export interface DatagramExtraInfo {
  /** The local `[address, port]`. */
  sockname: [string, number];
  /** The remote `[address, port]` of an endpoint made with `remoteAddr`. */
  peername: [string, number];
  /** The node:dgram socket. */
  socket: DgramSocket;
}

/** The names {@link DatagramTransport.getExtraInfo} knows. */
export type DatagramExtraInfoName = keyof DatagramExtraInfo;

/**
 * A UDP endpoint, as `asyncio.DatagramTransport`; made by
 * `loop.createDatagramEndpoint`.
 * @example
 * const [transport] = await loop.createDatagramEndpoint(() => new DatagramProtocol(), { remoteAddr: ['127.0.0.1', 9999] });
 * transport.sendto(Buffer.from('ping'));
 * transport.close();
 */
export class DatagramTransport {
  readonly #socket: DgramSocket;
  #protocol: DatagramProtocol;
  // The connected peer: as resolved, and as the caller spelled it (both are accepted by sendto).
  readonly #remote: [string, number] | undefined;
  readonly #remoteAsGiven: [string, number] | undefined;
  readonly #sockname: [string, number];
  #closing = false;
  #lost = false;
  #droppedWrites = 0;
  #failure: Error | null = null;
  // Node reports a failed send (EMSGSIZE, ...) only to the send's callback.
  readonly #onSent: (e: Error | null) => void;

  /** @internal Made by `loop.createDatagramEndpoint`. */
  constructor(socket: DgramSocket, protocol: DatagramProtocol, remote: [string, number] | undefined, remoteAsGiven: [string, number] | undefined) {
    this.#socket = socket;
    this.#protocol = protocol;
    this.#remote = remote;
    this.#remoteAsGiven = remoteAsGiven;
    const a = socket.address();
    this.#sockname = [a.address, a.port];
    // Receive errors (ICMP port unreachable on a connected endpoint) and DNS errors of a send.
    socket.on('error', (e: Error) => this.#error(e));
    this.#onSent = (e) => {
      if (e) this.#error(e);
    };
    socket.on('close', () => this.#closed());
  }

  /** @internal Call `connectionMade`, then deliver datagrams. */
  _start(): void {
    try {
      this.#protocol.connectionMade(this);
    } catch (e) {
      reportCallback('connectionMade', e, true);
      this.#fatal(e);
      return;
    }
    if (!this.#closing) this.#socket.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => this.#message(msg, rinfo));
  }

  /**
   * Send `data` as one datagram to `addr` (`[host, port]`). On an endpoint
   * made with `remoteAddr`, `addr` may be left out (or must be that address).
   * Errors of the send (e.g. `EMSGSIZE`) go to the protocol's `errorReceived`.
   */
  sendto(data: Uint8Array | string, addr?: readonly [string, number] | null): void {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError(`DatagramTransport.sendto(): data must be a Buffer, Uint8Array or string, got ${describe(data)}`);
    }
    const remote = this.#remote;
    if (remote !== undefined) {
      if (addr !== undefined && addr !== null && !sameAddr(addr, remote) && !sameAddr(addr, this.#remoteAsGiven)) {
        throw new RangeError(`DatagramTransport.sendto(): invalid address: must be undefined or [${remote[0]}, ${remote[1]}], got ${describe(addr)}`);
      }
    } else if (addr === undefined || addr === null) {
      throw new TypeError('DatagramTransport.sendto(): addr is required on an endpoint made without remoteAddr');
    } else if (!Array.isArray(addr) || typeof addr[0] !== 'string' || !Number.isInteger(addr[1]) || addr[1] < 1 || addr[1] > 65535) {
      throw new TypeError(`DatagramTransport.sendto(): addr must be [host, port], got ${describe(addr)}`);
    }
    if (this.#closing || this.#lost) {
      if (++this.#droppedWrites === LOG_THRESHOLD_FOR_CONNLOST_WRITES) warnDroppedWrites('DatagramTransport.sendto()');
      return;
    }
    if (remote !== undefined) this.#socket.send(data, this.#onSent);
    else this.#socket.send(data, (addr as readonly [string, number])[1], (addr as readonly [string, number])[0], this.#onSent);
  }

  /** Close the endpoint; `connectionLost(null)` follows. Datagrams queued by Node are still sent. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#socket.close();
  }

  /** Close at once (for UDP the same as `close()`). */
  abort(): void {
    this.close();
  }

  /** True once `close()` or `abort()` was called. */
  isClosing(): boolean {
    return this.#closing || this.#lost;
  }

  /** Bytes queued by Node and not yet sent (datagrams sent before the socket was ready). */
  getWriteBufferSize(): number {
    return this.#lost ? 0 : this.#socket.getSendQueueSize();
  }

  /** The protocol receiving this endpoint's events. */
  getProtocol(): DatagramProtocol {
    return this.#protocol;
  }

  /** Hand the endpoint to another protocol (asyncio's `set_protocol`). */
  setProtocol(protocol: DatagramProtocol): void {
    if (protocol === null || typeof protocol !== 'object') throw new TypeError(`DatagramTransport.setProtocol(): protocol must be a protocol object, got ${describe(protocol)}`);
    this.#protocol = protocol;
  }

  /**
   * `sockname` (`[address, port]`), `peername` (the `remoteAddr`, if any) or
   * `socket`, as asyncio's `get_extra_info`; `defaultValue` where not available.
   */
  getExtraInfo<K extends DatagramExtraInfoName>(name: K): DatagramExtraInfo[K] | undefined;
  getExtraInfo<K extends DatagramExtraInfoName, D>(name: K, defaultValue: D): DatagramExtraInfo[K] | D;
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    let v: unknown;
    switch (name) {
      case 'socket': v = this.#socket; break;
      case 'sockname': v = [this.#sockname[0], this.#sockname[1]]; break;
      case 'peername': v = this.#remote === undefined ? undefined : [this.#remote[0], this.#remote[1]]; break;
      default: throw new TypeError(`DatagramTransport.getExtraInfo(): unknown name ${describe(name)}; expected sockname, peername or socket`);
    }
    return v ?? defaultValue;
  }

  #message(msg: Buffer, rinfo: { address: string; port: number }): void {
    try {
      this.#protocol.datagramReceived(msg, [rinfo.address, rinfo.port]);
    } catch (e) {
      reportCallback('datagramReceived', e, true);
      this.#fatal(e);
    }
  }

  #error(e: Error): void {
    if (this.#lost) return;
    try {
      this.#protocol.errorReceived(e);
    } catch (e2) {
      reportCallback('errorReceived', e2, true);
      this.#fatal(e2);
    }
  }

  // As asyncio's _fatal_error: close, and hand the error to connectionLost.
  #fatal(e: unknown): void {
    this.#failure ??= e instanceof Error ? e : new Error(String(e));
    this.close();
  }

  #closed(): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#closing = true;
    try {
      this.#protocol.connectionLost(this.#failure);
    } catch (e) {
      reportCallback('connectionLost', e, false);
    }
  }
}

function sameAddr(a: readonly [string, number], b: readonly [string, number] | undefined): boolean {
  return b !== undefined && Array.isArray(a) && a[0] === b[0] && a[1] === b[1];
}
