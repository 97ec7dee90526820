/**
 * The transport interfaces, as asyncio's `Transport` and its read and write
 * halves: what a protocol is handed in `connectionMade` to talk back with.
 * @module
 */
import type { ExtraInfo, ExtraInfoName } from '../streams/stream-writer.js';

/** The high- and low-water marks of a transport's write buffer, in bytes. */
export interface WriteBufferLimits {
  /** Past this many buffered bytes the protocol's `pauseWriting()` is called. @default 65536, or 4 × low */
  readonly high?: number;
  /** At or under this many, `resumeWriting()` is called. @default 16384, or high / 4 */
  readonly low?: number;
}

/**
 * A stream connection (TCP, TLS, Unix socket) as `asyncio.Transport`.
 * `write()` never blocks: data past the socket's reach is buffered, and the
 * protocol's `pauseWriting()`/`resumeWriting()` say when to hold back.
 * @example
 * const [transport, protocol] = await loop.createConnection(() => new Client(), '127.0.0.1', 8888);
 * transport.write(Buffer.from('hello'));
 * transport.close();
 */
export interface Transport {
  /** Queue `data` for sending (a string goes as UTF-8). Throws `InvalidStateError` after `writeEof()`; dropped after `close()`. */
  write(data: Uint8Array | string): void;
  /** Write each buffer of `list`, in order, as one batch. */
  writelines(list: Iterable<Uint8Array | string>): void;
  /** Close the sending half after the buffered data (TCP FIN); reading goes on. */
  writeEof(): void;
  /** True where `writeEof()` is possible (plain TCP and Unix sockets, not TLS). */
  canWriteEof(): boolean;
  /** Close after the buffered data is sent; `connectionLost(null)` follows. */
  close(): void;
  /** Close now, dropping buffered data; `connectionLost(null)` follows. */
  abort(): void;
  /** True once `close()` or `abort()` was called or the connection is gone. */
  isClosing(): boolean;
  /** Stop calling `dataReceived` until `resumeReading()`. */
  pauseReading(): void;
  /** Call `dataReceived` again. */
  resumeReading(): void;
  /** True while data is being delivered. */
  isReading(): boolean;
  /** Bytes written and not yet handed to the kernel. */
  getWriteBufferSize(): number;
  /** The `[low, high]` water marks, as asyncio's `get_write_buffer_limits()`. */
  getWriteBufferLimits(): [low: number, high: number];
  /** Set the water marks (`RangeError` unless high >= low >= 0). */
  setWriteBufferLimits(limits?: WriteBufferLimits): void;
  /** Details of the connection, as asyncio's `get_extra_info`; `defaultValue` where not available. */
  getExtraInfo<K extends ExtraInfoName>(name: K): ExtraInfo[K] | undefined;
  getExtraInfo<K extends ExtraInfoName, D>(name: K, defaultValue: D): ExtraInfo[K] | D;
}
