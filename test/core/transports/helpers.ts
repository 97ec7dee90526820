// Shared fixtures of the transport tests: a protocol that records what it is
// told, and servers on 127.0.0.1:0 closed in t.after.
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import {
  DatagramProtocol, Protocol, getEventLoop, type CreateServerOptions, type DatagramTransport, type ExceptionContext, type Server, type Transport,
} from '../../../src/index.js';

/** A deferred value, resolved from a callback. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A stream protocol that records its callbacks, in order. */
export class Recorder extends Protocol {
  transport!: Transport;
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  readonly made = deferred<Transport>();
  readonly lost = deferred<Error | null>();
  readonly eof = deferred();
  keepOpen = false;
  #dataWaiters: { bytes: number; resolve: () => void }[] = [];

  override connectionMade(transport: Transport): void {
    this.transport = transport;
    this.events.push('made');
    this.made.resolve(transport);
  }

  override dataReceived(data: Buffer): void {
    if (this.events.at(-1) !== 'data') this.events.push('data');
    this.chunks.push(data);
    const n = this.received.length;
    this.#dataWaiters = this.#dataWaiters.filter((w) => (n >= w.bytes ? (w.resolve(), false) : true));
  }

  override eofReceived(): boolean {
    this.events.push('eof');
    this.eof.resolve();
    return this.keepOpen;
  }

  override pauseWriting(): void {
    this.events.push('pause');
  }

  override resumeWriting(): void {
    this.events.push('resume');
  }

  override connectionLost(exc: Error | null): void {
    this.events.push('lost');
    this.lost.resolve(exc);
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Resolve once `bytes` bytes have arrived in all. */
  waitBytes(bytes: number): Promise<void> {
    if (this.received.length >= bytes) return Promise.resolve();
    const d = deferred();
    this.#dataWaiters.push({ bytes, resolve: d.resolve });
    return d.promise;
  }
}

/** An echo protocol, as in asyncio-protocol.rst. */
export class Echo extends Protocol {
  #t!: Transport;
  override connectionMade(t: Transport): void {
    this.#t = t;
  }

  override dataReceived(d: Buffer): void {
    this.#t.write(d);
  }
}

/** A datagram protocol that records what it is told. */
export class DgramRecorder extends DatagramProtocol {
  transport!: DatagramTransport;
  readonly datagrams: [Buffer, [string, number]][] = [];
  readonly errors: Error[] = [];
  readonly lost = deferred<Error | null>();
  #next = deferred<[Buffer, [string, number]]>();
  #nextError = deferred<Error>();

  override connectionMade(t: DatagramTransport): void {
    this.transport = t;
  }

  override datagramReceived(data: Buffer, addr: [string, number]): void {
    this.datagrams.push([data, addr]);
    const d = this.#next;
    this.#next = deferred();
    d.resolve([data, addr]);
  }

  override errorReceived(exc: Error): void {
    this.errors.push(exc);
    const d = this.#nextError;
    this.#nextError = deferred();
    d.resolve(exc);
  }

  override connectionLost(exc: Error | null): void {
    this.lost.resolve(exc);
  }

  nextDatagram(): Promise<[Buffer, [string, number]]> {
    return this.#next.promise;
  }

  nextError(): Promise<Error> {
    return this.#nextError.promise;
  }
}

/** Listen with `factory` on 127.0.0.1:0; closed (connections aborted) after the test. */
export async function serveProtocol(t: TestContext, factory: () => Protocol, options?: CreateServerOptions): Promise<{ server: Server; port: number }> {
  const server = await getEventLoop().createServer(factory, '127.0.0.1', 0, options);
  t.after(async () => {
    server.close();
    server.abortClients();
    await server.waitClosed();
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Collect what reaches the loop's exception handler during the test. */
export function captureReports(t: TestContext): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  const loop = getEventLoop();
  loop.setExceptionHandler((ctx) => seen.push(ctx));
  t.after(() => loop.setExceptionHandler(null));
  return seen;
}
