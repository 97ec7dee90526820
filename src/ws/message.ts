/**
 * `WSMsgType` and `WSMessage`, as aiohttp's.
 * @module
 */

/**
 * The kinds of WebSocket message, with aiohttp's values.
 * @example
 * if (msg.type === WSMsgType.TEXT) console.log(msg.data);
 */
export const WSMsgType = Object.freeze({
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  PING: 0x9,
  PONG: 0xa,
  CLOSE: 0x8,
  CLOSING: 0x100,
  CLOSED: 0x101,
  ERROR: 0x102,
} as const);

/** One of the {@link WSMsgType} values. */
export type WSMsgType = (typeof WSMsgType)[keyof typeof WSMsgType];

/** WebSocket close codes, as aiohttp's `WSCloseCode`. */
export const WSCloseCode = Object.freeze({
  OK: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  ABNORMAL_CLOSURE: 1006,
  INVALID_TEXT: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
} as const);

/** A received message; `data` depends on `type`. */
export type WSMessage =
  | { readonly type: typeof WSMsgType.TEXT; readonly data: string; readonly extra: null }
  | { readonly type: typeof WSMsgType.BINARY | typeof WSMsgType.PING | typeof WSMsgType.PONG; readonly data: Buffer; readonly extra: null }
  /** `data` is the close code, `extra` the reason. */
  | { readonly type: typeof WSMsgType.CLOSE; readonly data: number; readonly extra: string }
  | { readonly type: typeof WSMsgType.ERROR; readonly data: Error; readonly extra: null }
  | { readonly type: typeof WSMsgType.CLOSING | typeof WSMsgType.CLOSED; readonly data: null; readonly extra: null };

/** The message `receive()` returns once the socket is closed. */
export const WS_CLOSED_MESSAGE: WSMessage = Object.freeze({ type: WSMsgType.CLOSED, data: null, extra: null });

/** The message `receive()` returns while the socket is closing. */
export const WS_CLOSING_MESSAGE: WSMessage = Object.freeze({ type: WSMsgType.CLOSING, data: null, extra: null });

/** The name of a message type, for error messages (`TEXT`, `BINARY`, ...). */
export function wsMsgTypeName(type: number): string {
  for (const [k, v] of Object.entries(WSMsgType)) if (v === type) return k;
  return String(type);
}
