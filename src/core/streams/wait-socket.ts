// Waiting for a socket to connect or finish a TLS handshake, cancellable by
// the current task, a signal or a timeout; a socket given up on is destroyed.
import type { Socket } from 'node:net';
import { TimeoutError } from '../errors.js';
import { Future } from '../future.js';
import { suspend } from '../suspend.js';
import { connectionLost } from './socket-protocol.js';

/** @internal */
export interface WaitSocketOptions {
  /** Seconds, or undefined for no limit. */
  readonly timeout: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** What is being waited for, for the timeout message. */
  readonly what: string;
}

/** @internal Wait for `event` on `socket`; on failure, cancellation or timeout the socket is destroyed. */
export async function waitSocket(socket: Socket, event: string, options: WaitSocketOptions): Promise<void> {
  const fut = new Future<void>();
  const onEvent = (): void => {
    if (!fut.done()) fut.setResult();
  };
  const onError = (e: Error): void => {
    if (!fut.done()) fut.setException(e);
  };
  const onClose = (): void => {
    if (!fut.done()) fut.setException(connectionLost());
  };
  socket.once(event, onEvent);
  socket.on('error', onError);
  socket.once('close', onClose);
  const t = options.timeout;
  const timer = t === undefined ? undefined : setTimeout(() => {
    if (!fut.done()) fut.setException(new TimeoutError(`${options.what} timed out after ${t} s`));
  }, t * 1000);
  try {
    await suspend(fut, options.signal);
  } catch (e) {
    socket.destroy();
    throw e;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    socket.off(event, onEvent);
    socket.off('error', onError);
    socket.off('close', onClose);
  }
}
