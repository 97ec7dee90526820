/**
 * The WebSocket message layer shared by the client and the server.
 * @module
 */
export { WSCloseCode, WSMsgType, WS_CLOSED_MESSAGE, WS_CLOSING_MESSAGE, wsMsgTypeName, type WSMessage } from './message.js';
export { WebSocketBase, type CloseOptions, type ReceiveOptions, type WebSocketOptions } from './websocket.js';
