/**
 * The `ws` servers that take over upgraded connections: one `noServer`
 * `WebSocketServer` per distinct socket configuration, shared by every
 * `WebSocketResponse` with that configuration, rather than one per socket.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** What one handshake adds to `ws`'s 101 answer. @internal */
export interface HandshakeExtras {
  /** The subprotocol chosen, or null. */
  readonly protocol: string | null;
  /** Extra header lines, `Name: value`, already checked. */
  readonly lines: readonly string[];
}

// handleUpgrade() runs `handleProtocols` and emits 'headers' synchronously
// (no verifyClient), so the extras of the upgrade under way are kept here
// for that call only. Not as a property of the request: deleting it
// afterwards turned every upgraded IncomingMessage into a dictionary-mode
// object on Node 24 (1.6 KB more per open WebSocket).
let pendingReq: IncomingMessage | null = null;
let pendingExtras: HandshakeExtras | null = null;

function extrasOf(req: IncomingMessage): HandshakeExtras | null {
  return req === pendingReq ? pendingExtras : null;
}

const servers = new Map<string, WebSocketServer>();

function serverFor(maxPayload: number, compress: boolean, autoPong: boolean): WebSocketServer {
  const key = `${maxPayload}/${compress ? 1 : 0}/${autoPong ? 1 : 0}`;
  let wss = servers.get(key);
  if (wss === undefined) {
    wss = new WebSocketServer({
      noServer: true,
      // The server tracks its sockets itself (for shutdown).
      clientTracking: false,
      maxPayload,
      perMessageDeflate: compress,
      autoPong,
      handleProtocols: (_offered, req: IncomingMessage) => extrasOf(req)?.protocol ?? false,
    });
    wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const extras = extrasOf(req);
      if (extras !== null) for (const line of extras.lines) headers.push(line);
    });
    servers.set(key, wss);
  }
  return wss;
}

/**
 * Let `ws` answer the handshake (101) and take over the socket, with `head`
 * (bytes read past the request's headers) fed to it first. Returns null when
 * `ws` did not take the socket (the client had already gone, or `ws`
 * refused the handshake and answered it itself).
 * @internal
 */
export function upgradeSocket(
  req: IncomingMessage, socket: Duplex, head: Buffer, extras: HandshakeExtras,
  maxPayload: number, compress: boolean, autoPong: boolean,
): WebSocket | null {
  const wss = serverFor(maxPayload, compress, autoPong);
  let taken: WebSocket | null = null;
  pendingReq = req;
  pendingExtras = extras;
  try {
    wss.handleUpgrade(req, socket, head, (ws) => {
      taken = ws;
    });
  } finally {
    pendingReq = null;
    pendingExtras = null;
  }
  return taken;
}
