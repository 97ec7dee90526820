/**
 * The send deadline: a response whose bytes a client stops taking (it never
 * reads, or its TCP window stays shut) holds its connection, its handler and
 * what is buffered only until `requestTimeout` passes with no byte taken;
 * then the connection is closed. node:http's own `requestTimeout` ends when
 * the request is received, and aiohttp has no such limit; nginx's
 * `send_timeout` is the model (a limit on silence between two writes, not
 * on the whole transfer, so a slow but moving download is never cut).
 *
 * Watched only while bytes wait (a `write()` held by backpressure, a whole
 * body larger than the socket's buffer): nothing runs on the usual path.
 * @module
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const SEND_TIMEOUT = Symbol('aiots.sendTimeout');

type WithTimeout = { [SEND_TIMEOUT]?: number };

/** @internal The site's server: its responses' send deadline (ms, 0: none). */
export function setSendTimeout(server: Server, ms: number): void {
  (server as Server & WithTimeout)[SEND_TIMEOUT] = ms;
}

function noop(): void {}

/** Bytes the socket has handed to the kernel (what a client that reads takes away). */
function flushed(socket: Socket): number {
  return socket.bytesWritten - socket.writableLength;
}

/**
 * @internal Watch `socket` until the returned function is called: if bytes
 * wait on it and none is taken for the send deadline, close it.
 */
export function watchStall(socket: Socket | null): () => void {
  if (socket === null || socket.destroyed) return noop;
  const limit = (socket as Socket & { server?: Server & WithTimeout }).server?.[SEND_TIMEOUT] ?? 0;
  if (limit === 0) return noop;
  let last = flushed(socket);
  let since = performance.now();
  // Checked twice per deadline (at most every second): cut at most about a second late.
  const timer = setInterval(() => {
    const now = flushed(socket);
    if (now !== last || socket.writableLength === 0) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= limit) {
      clearInterval(timer);
      socket.destroy();
    }
  }, Math.min(1000, Math.max(50, limit / 2)));
  timer.unref();
  return () => clearInterval(timer);
}
