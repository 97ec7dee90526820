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
 *
 * Shutdown does not close the listening socket at once: closing it makes the
 * kernel reset every connection still in its accept queue, clients whose
 * handshake is done and whose request may already be sent. The site keeps
 * accepting until the queue has been found empty (see {@link Connections.drain});
 * what arrives meanwhile is served as in-flight requests are, its responses
 * saying `Connection: close`.
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

/**
 * How long the listening socket stays open after the last connection
 * accepted during shutdown. Clients that found the accept queue full sent
 * their handshake's last ACK (and their request) into the void: Linux
 * retransmits them from about 200 ms on, and each can still be accepted
 * while the socket listens. 0.5 s covers the first two retransmissions.
 */
const QUIET_AFTER_BURST = 0.5;
/**
 * However busy the queue stays (a burst still being absorbed, a balancer
 * that has not yet noticed the shutdown), the listener closes after this
 * long at most: enough for the kernel's retransmissions to bring a burst in,
 * and for a balancer to take the server out of rotation.
 */
const DRAIN_LIMIT = 10;

/** @internal The connections of one server, tracked from accept to close. */
export class Connections {
  readonly #sockets = new Set<Socket>();
  /** TCP sockets of a TLS server whose handshake is not done. */
  readonly #handshaking = new Set<Socket>();
  #stopping = false;
  /** Connections accepted so far: shutdown watches it move to know the accept queue is empty. */
  #accepted = 0;

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
        this.#accepted++;
        sockets.add(socket);
        socket.on('close', forget);
      });
      return;
    }
    server.on('connection', (socket: Socket) => {
      this.#accepted++;
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
   * Keep accepting until the kernel's accept queue is empty, then call
   * `closeListener`. libuv accepts until the
   * queue is empty each time the listening socket polls readable, so a turn
   * of the event loop (a `setImmediate` runs after the poll) in which no
   * connection came means the queue was empty at that poll. Two such turns
   * in a row end a quiet drain at once; once connections came, the listener
   * stays open until none came for {@link QUIET_AFTER_BURST}, and never past
   * {@link DRAIN_LIMIT} nor `limit` seconds.
   *
   * Idle keep-alive connections are kept until the in-flight handlers are
   * done (`closeWhenFlushed` closes them): a request that comes on one
   * meanwhile is answered, with `Connection: close`, rather than met by a
   * closed socket; a client cannot know when the server means to close.
   */
  drain(closeListener: () => void, limit: number): Promise<void> {
    const begun = performance.now();
    const end = begun + Math.min(limit, DRAIN_LIMIT) * 1000;
    let seen = this.#accepted;
    let quietTurns = 0;
    let lastAccept = -1;
    return new Promise((resolve) => {
      const turn = (): void => {
        const now = performance.now();
        if (this.#accepted !== seen) {
          seen = this.#accepted;
          lastAccept = now;
          quietTurns = 0;
        } else {
          quietTurns++;
        }
        const quiet = lastAccept === -1 ? quietTurns >= 2 : now - lastAccept >= QUIET_AFTER_BURST * 1000;
        if (quiet || now >= end) {
          closeListener();
          this.#stopHandshakes();
          resolve();
        } else if (lastAccept === -1) {
          setImmediate(turn);
        } else {
          // Timers run before the poll: the check after the next poll is the one that counts.
          setTimeout(() => setImmediate(turn), 10);
        }
      };
      setImmediate(turn);
    });
  }

  // Connections still in their TLS handshake carry no request yet: closed
  // with the listener, and so is any that finishes its handshake later.
  #stopHandshakes(): void {
    this.#stopping = true;
    for (const s of this.#handshaking) s.destroy();
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
