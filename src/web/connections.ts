/**
 * The open connections of one site's server, so that shutdown can close the
 * idle ones at once and let each of the others finish sending the response
 * it has under way (Node's `closeIdleConnections()` also drops a connection
 * whose response is ended but still being flushed to a slow reader).
 *
 * Over TLS the sockets HTTP uses are the TLS ones, known only once their
 * handshake is done; the TCP sockets still handshaking are tracked apart, so
 * a client that connects and handshakes slowly, or never, cannot hold the
 * server open at shutdown (Node's own tracking does not see them either).
 * @module
 */
import type { Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * The response a connection is sending, if any. Node keeps it in
 * `socket._httpMessage` (its own `closeIdleConnections()` reads it there);
 * it is null between requests and set from the request's arrival until its
 * response is flushed, then the next pipelined response takes its place.
 * @internal
 */
export function responseOf(socket: Socket): ServerResponse | null {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
}

// Connections handed to `ws`: no HTTP response is under way on them, yet
// they are not idle; they end with their WebSocket (see ServerHandler).
const upgraded = new WeakSet<object>();

/** @internal `socket` now carries a WebSocket. */
export function markUpgraded(socket: object): void {
  upgraded.add(socket);
}

/** Resolves once `socket` closes. */
function untilSocketClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Resolves once `res` or its socket closes; both listeners go either way. */
function untilClosed(res: ServerResponse, socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('close', done);
      socket.off('close', done);
      resolve();
    };
    res.on('close', done);
    socket.on('close', done);
  });
}

/** @internal The connections of one server, tracked from accept to close. */
export class Connections {
  readonly #sockets = new Set<Socket>();
  /** TCP sockets of a TLS server whose handshake is not done. */
  readonly #handshaking = new Set<Socket>();
  #stopping = false;
  #idleClosed: Promise<void> | null = null;

  constructor(server: Server | HttpsServer, secure: boolean) {
    const sockets = this.#sockets;
    const handshaking = this.#handshaking;
    // One listener function per set for all sockets: `this` is the socket closing.
    function forget(this: Socket): void {
      sockets.delete(this);
    }
    function forgetHandshake(this: Socket): void {
      handshaking.delete(this);
    }
    if (!secure) {
      server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', forget);
      });
      return;
    }
    server.on('connection', (socket: Socket) => {
      handshaking.add(socket);
      socket.on('close', forgetHandshake);
    });
    server.on('secureConnection', (tls: TLSSocket) => {
      const tcp = (tls as TLSSocket & { _parent?: Socket | null })._parent;
      if (tcp) {
        handshaking.delete(tcp);
        tcp.off('close', forgetHandshake);
      }
      // A handshake done after shutdown began brings a connection with no
      // request yet: idle, so closed like the other idle ones.
      if (this.#stopping) {
        tls.destroy();
        return;
      }
      sockets.add(tls);
      tls.on('close', forget);
    });
  }

  /**
   * Close every connection that has no response under way (idle keep-alive
   * ones), once Node has read what their clients already sent: a request
   * that reached the socket buffer before shutdown began, while the loop was
   * busy, starts its handler then and is answered (with Connection: close)
   * rather than reset. The promise settles when they are closed.
   */
  closeIdle(): Promise<void> {
    if (this.#idleClosed !== null) return this.#idleClosed;
    this.#stopping = true;
    for (const s of this.#handshaking) s.destroy();
    return (this.#idleClosed = afterNextPoll().then(() => {
      for (const s of this.#sockets) if (responseOf(s) === null && !upgraded.has(s)) s.destroy();
    }));
  }

  /** Close every connection left, handshaking or not. */
  closeAll(): void {
    for (const s of this.#handshaking) s.destroy();
    for (const s of this.#sockets) s.destroy();
  }

  /**
   * Let every connection finish the response it is sending, closing each as
   * it becomes idle; past `timeout` seconds close whatever is left. A
   * response that follows on the same connection (pipelined) is not waited
   * for: the server does not start its handler once it is closing.
   */
  async closeWhenFlushed(timeout: number): Promise<void> {
    await this.closeIdle();
    const waits: Promise<void>[] = [];
    for (const s of this.#sockets) if (!s.destroyed) waits.push(closeWhenIdle(s));
    if (waits.length === 0) return;
    const timer = setTimeout(() => {
      for (const s of this.#sockets) s.destroy();
    }, timeout * 1000);
    try {
      await Promise.all(waits);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Resolves after the loop has polled its sockets once more: the first
 * setImmediate runs in the turn that is under way (the signal may have come
 * in the middle of its poll phase), the second after the next poll phase,
 * which reads everything that arrived before the call.
 */
function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

async function closeWhenIdle(socket: Socket): Promise<void> {
  // A WebSocket finishing its closing handshake (the deadline still holds).
  if (upgraded.has(socket)) await untilSocketClosed(socket);
  for (;;) {
    const res = responseOf(socket);
    if (res === null || socket.destroyed || res.closed) break;
    await untilClosed(res, socket);
  }
  socket.destroy();
}
