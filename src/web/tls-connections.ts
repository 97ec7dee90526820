/**
 * What an HTTPS site must close at shutdown that Node's HTTP server does not
 * see: connections still in their TLS handshake. Node's server tracks a
 * connection (for `closeIdleConnections`/`closeAllConnections`) only once its
 * handshake is done, so a client that connects and handshakes slowly, or not
 * at all, would hold the server open until the handshake timeout (120 s).
 * @module
 */
import type { Server } from 'node:https';
import type { Socket } from 'node:net';

/** @internal Tracks an HTTPS server's sockets from accept, to close them at shutdown. */
export class TlsConnections {
  readonly #sockets = new Set<Socket>();
  #stopping = false;

  constructor(server: Server) {
    // 'connection' gives the TCP socket before the handshake; destroying it
    // destroys the TLS socket on top.
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    // A handshake that ends after the site stopped accepting brings a
    // connection with no request yet: idle, so closed, as
    // closeIdleConnections() closed the others.
    server.on('secureConnection', (socket: Socket) => {
      if (this.#stopping) socket.destroy();
    });
  }

  /** The site stops accepting: handshakes that finish from now on are closed. */
  stopAccepting(): void {
    this.#stopping = true;
  }

  /** Close every socket left, handshaking or not. */
  closeAll(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }
}
