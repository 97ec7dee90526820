/**
 * The checks of a WebSocket opening handshake (RFC 6455 §4.2.1), made before
 * anything is written so that a bad one gets the HTTP answer aiohttp gives:
 * 405 for a method other than GET, 400 for the rest, and no upgrade.
 * @module
 */
import * as wsModule from 'ws';
import { HTTPBadRequest, HTTPMethodNotAllowed } from './exceptions.js';
import type { Request } from './request.js';

// `ws` parses these headers again in handleUpgrade(); its own parsers are
// used here so that what passes these checks is what `ws` accepts (its
// refusals would otherwise be written straight to the socket).
const { subprotocol, extension } = wsModule as unknown as {
  readonly subprotocol: { parse(header: string): Set<string> };
  readonly extension: { parse(header: string): unknown };
};

// 16 bytes in base64: 22 characters and the padding (as `ws` checks it).
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** What a valid handshake agreed on. @internal */
export interface Handshake {
  /** The subprotocol chosen, or null. */
  readonly protocol: string | null;
}

/**
 * Check the handshake headers of `request`; throws the HTTPException the
 * client must get. The subprotocol is the first one the client offers that
 * the server speaks (aiohttp walks the client's list).
 * @internal
 */
export function checkHandshake(request: Request, protocols: readonly string[], compress: boolean): Handshake {
  if (request.method !== 'GET') throw new HTTPMethodNotAllowed(request.method, ['GET']);
  const h = request.headers;
  const upgrade = h.get('upgrade');
  if (upgrade?.trim().toLowerCase() !== 'websocket') {
    throw new HTTPBadRequest({ text: `No WebSocket UPGRADE hdr: ${upgrade ?? 'None'}\n Can "Upgrade" only to "WebSocket".` });
  }
  const connection = h.get('connection');
  if (connection?.toLowerCase().includes('upgrade') !== true) throw new HTTPBadRequest({ text: `No CONNECTION upgrade hdr: ${connection ?? 'None'}` });
  const version = h.get('sec-websocket-version')?.trim();
  if (version !== '13' && version !== '8') {
    // RFC 6455 §4.4: the versions the server speaks go with the refusal.
    throw new HTTPBadRequest({ text: `Unsupported version: ${version ?? ''}`, headers: { 'Sec-WebSocket-Version': '13, 8' } });
  }
  const key = h.get('sec-websocket-key');
  if (key === undefined || !KEY.test(key)) throw new HTTPBadRequest({ text: `Handshake error: ${JSON.stringify(key ?? null)}` });
  let protocol: string | null = null;
  const offered = h.get('sec-websocket-protocol');
  if (offered !== undefined) {
    let list: Set<string>;
    try {
      list = subprotocol.parse(offered);
    } catch {
      throw new HTTPBadRequest({ text: 'Invalid Sec-WebSocket-Protocol header' });
    }
    for (const p of list) {
      if (protocols.includes(p)) {
        protocol = p;
        break;
      }
    }
  }
  const extensions = h.get('sec-websocket-extensions');
  if (compress && extensions !== undefined) {
    try {
      extension.parse(extensions);
    } catch {
      throw new HTTPBadRequest({ text: 'Invalid Sec-WebSocket-Extensions header' });
    }
  }
  return { protocol };
}
