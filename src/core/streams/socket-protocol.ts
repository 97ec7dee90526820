// The glue between a node:net socket and a StreamReader/StreamWriter pair,
// as asyncio's StreamReaderProtocol: socket events feed the reader, and the
// writer waits here for 'drain' and 'close'.
import type { Socket } from 'node:net';
import { Future } from '../future.js';
import { suspend } from '../suspend.js';
import type { ReadTransport, StreamReader } from './stream-reader.js';

/** The error drains and reads get when the connection went away without one (asyncio's ConnectionResetError). */
export function connectionLost(): Error & { code: string } {
  return Object.assign(new Error('Connection lost'), { code: 'ECONNRESET' });
}

/** @internal */
export class SocketProtocol implements ReadTransport {
  #socket: Socket;
  readonly reader: StreamReader | null;
  /** The first error the socket reported. */
  error: Error | undefined = undefined;
  /** True once the socket emitted 'close'. */
  closed = false;
  /** True once our side asked to close (errors after that are not the user's concern). */
  closing = false;
  readonly #drainWaiters = new Set<Future<void>>();
  readonly #closeWaiters = new Set<Future<void>>();
  readonly #onData: (chunk: Buffer) => void;
  readonly #onEnd: () => void;
  readonly #onError: (e: Error) => void;
  readonly #onDrain: () => void;
  readonly #onClose: () => void;

  constructor(socket: Socket, reader: StreamReader | null) {
    this.#socket = socket;
    this.reader = reader;
    // Bound once per connection, so that the per-chunk path allocates nothing.
    this.#onData = reader === null ? ignore : (chunk) => reader.feedData(chunk);
    this.#onEnd = () => this.reader?.feedEof();
    this.#onError = (e) => this.#failed(e);
    this.#onDrain = () => this.#wake(this.#drainWaiters, undefined);
    this.#onClose = () => this.#closedEvent();
    this.#attach(socket);
    reader?.setTransport(this);
  }

  get socket(): Socket {
    return this.#socket;
  }

  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  /** Move the wiring to `next` (a TLS socket wrapping the current one). */
  replaceSocket(next: Socket): void {
    this.#detach(this.#socket);
    this.#socket = next;
    this.#attach(next);
  }

  /** Wait until the socket's write buffer drained, or fail with the connection's error. */
  async waitDrain(signal: AbortSignal | undefined): Promise<void> {
    const fut = new Future<void>();
    this.#drainWaiters.add(fut);
    try {
      await suspend(fut, signal);
    } finally {
      this.#drainWaiters.delete(fut);
    }
  }

  /** Wait for 'close'; rejects with the connection's error if it failed before we closed it. */
  async waitClosed(signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) {
      this.#throwIfFailed();
      return;
    }
    const fut = new Future<void>();
    this.#closeWaiters.add(fut);
    try {
      await suspend(fut, signal);
    } finally {
      this.#closeWaiters.delete(fut);
    }
  }

  #throwIfFailed(): void {
    if (this.error !== undefined && !this.#errorAfterClose) throw this.error;
  }

  #errorAfterClose = false;

  #attach(s: Socket): void {
    s.on('data', this.#onData);
    s.on('end', this.#onEnd);
    s.on('error', this.#onError);
    s.on('drain', this.#onDrain);
    s.on('close', this.#onClose);
  }

  #detach(s: Socket): void {
    s.off('data', this.#onData);
    s.off('end', this.#onEnd);
    // Keep a listener for 'error' so that a late error on the raw socket never crashes the process.
    s.off('error', this.#onError);
    s.on('error', ignore);
    s.off('drain', this.#onDrain);
    s.off('close', this.#onClose);
  }

  #failed(e: Error): void {
    if (this.error !== undefined) return;
    this.error = e;
    this.#errorAfterClose = this.closing;
    const r = this.reader;
    if (r !== null && r.exception() === null && !r.atEof()) r.setException(e);
    this.#wake(this.#drainWaiters, e);
  }

  #closedEvent(): void {
    this.closed = true;
    const r = this.reader;
    if (r !== null && r.exception() === null) r.feedEof();
    // As asyncio's connection_lost(None): a drain waiting when the connection
    // closes cleanly (our close() flushed it) resolves; later drains reject.
    this.#wake(this.#drainWaiters, this.error);
    const e = this.error !== undefined && !this.#errorAfterClose ? this.error : undefined;
    this.#wake(this.#closeWaiters, e);
  }

  #wake(waiters: Set<Future<void>>, error: Error | undefined): void {
    if (waiters.size === 0) return;
    for (const f of waiters) {
      if (f.done()) continue;
      if (error === undefined) f.setResult();
      else f.setException(error);
    }
    waiters.clear();
  }
}

function ignore(): void {}
