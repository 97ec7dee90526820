/// <reference types="node" preserve="true" />
// Kept in the emitted .d.ts: a consumer's TypeScript loads @types/node for
// aiots's declarations by itself (TypeScript 6+ loads no @types package unless
// its tsconfig lists it in "types").
/**
 * `aiots/client`: aiohttp's `ClientSession` for TypeScript, on undici.
 * @module
 */
export { ClientSession, type ClientSessionOptions } from './session.js';
export { ClientResponse, type JsonOptions, type ReadOptions } from './response.js';
export { BasicAuth } from './auth.js';
export { ClientRequest } from './client-request.js';
export type { ClientHandler, ClientMiddleware, ClientMiddlewareFunction } from './middlewares.js';
export { DigestAuthMiddleware } from './digest-auth.js';
export type { CharsetResolver } from './charset.js';
export type { ContentDisposition } from './content-disposition.js';
export type { Link } from './links.js';
export { ResponseHeaders } from './headers.js';
export { ClientTimeout, DEFAULT_TIMEOUT, type ClientTimeoutOptions } from './timeout.js';
export { TCPConnector, type TCPConnectorOptions } from './connector.js';
export { AbstractResolver, AsyncResolver, ThreadedResolver, type AddressFamily, type AsyncResolverOptions, type ResolveResult } from './resolver.js';
export { CookieJar, DummyCookieJar, type CookieJarOptions, type StoredCookie } from './cookie-jar.js';
export {
  TraceConfig, type TraceConfigOptions, type TraceConnectionParams, type TraceHook, type TraceRequestEndParams,
  type TraceRequestExceptionParams, type TraceRequestStartParams, type TraceResponseChunkParams,
} from './trace.js';
export type { RequestData } from './body.js';
export type { HeadersInput, Params, RaiseForStatus, RequestOptions } from './request-options.js';
export type { RequestInfo } from './request-info.js';
export {
  ClientConnectionError, ClientConnectionResetError, ClientConnectorCertificateError, ClientConnectorDNSError, ClientConnectorError, ClientError, ClientHttpProxyError, ClientProxyConnectionError, ClientOSError, ClientPayloadError, ClientSSLError,
  ClientResponseError, ClientResponseTooLargeError, ConnectionTimeoutError, ContentTypeError, InsecureRedirectClientError,
  InvalidHeaderError, InvalidURL, InvalidUrlRedirectClientError, NonHttpUrlClientError, NonHttpUrlRedirectClientError,
  RedirectClientError, ServerConnectionError, ServerDisconnectedError, ServerTimeoutError, SocketTimeoutError,
  TooManyRedirects, TotalTimeoutError, WSServerHandshakeError, isClientError, type ClientOSErrorOptions, type ClientResponseErrorOptions,
} from './errors.js';
export { ClientWebSocketResponse, type WSConnectOptions } from './ws.js';
export {
  WSCloseCode, WSMsgType, WS_CLOSED_MESSAGE, WS_CLOSING_MESSAGE, WebSocketBase, type CloseOptions, type ReceiveOptions, type WSMessage, type WebSocketOptions,
} from '../ws/index.js';
