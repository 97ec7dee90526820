/**
 * The client's errors, in aiohttp's hierarchy. Every class has a stable
 * `code` starting with `AIOTS_ERR_CLIENT`, so {@link isClientError} works
 * across copies of the package.
 *
 * The timeout errors are both: they extend the core `TimeoutError` (so that
 * `catch (e) { if (e instanceof TimeoutError) ... }` catches every aiots
 * timeout) and they pass `instanceof ClientError`, `ClientConnectionError`
 * and `ServerConnectionError` through `Symbol.hasInstance`, the way
 * aiohttp's `ServerTimeoutError` inherits from both sides.
 * @module
 */
import { AiotsError, TimeoutError, type AiotsErrorOptions } from '../core/errors.js';
import type { RequestInfo } from './request-info.js';

const kClientBrand = Symbol.for('aiots.ClientError');
const kConnectionBrand = Symbol.for('aiots.ClientConnectionError');

/**
 * Base of every client error, as `aiohttp.ClientError`.
 * @example
 * try { await session.get(url); } catch (e) { if (e instanceof ClientError) console.log(e.code); }
 */
export class ClientError extends AiotsError {
  override readonly code: string = 'AIOTS_ERR_CLIENT';

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    // The timeout errors live on the TimeoutError side; they carry brands.
    if (typeof value !== 'object' || value === null) return false;
    if (this === ClientError) return (value as { [kClientBrand]?: boolean })[kClientBrand] === true;
    if (this === ClientConnectionError || this === ServerConnectionError) return (value as { [kConnectionBrand]?: boolean })[kConnectionBrand] === true;
    return false;
  }
}

/** True when `e` is an error of the aiots client, from any copy of the package. */
export function isClientError(e: unknown): e is ClientError {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('AIOTS_ERR_CLIENT');
}

/** A connection-level failure (aiohttp's `ClientConnectionError`). */
export class ClientConnectionError extends ClientError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_CONNECTION';
}

/** Options of errors that carry an OS error. */
export interface ClientOSErrorOptions extends AiotsErrorOptions {
  /** The OS error code, e.g. `ECONNREFUSED`. */
  readonly osCode?: string | undefined;
}

/** An OS-level error on the connection (aiohttp's `ClientOSError`). */
export class ClientOSError extends ClientConnectionError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_OS';
  /** The OS error code (`ECONNREFUSED`, `ENOTFOUND`, ...), or `null`. */
  readonly osCode: string | null;
  constructor(message?: string, options?: ClientOSErrorOptions) {
    super(message, options);
    this.osCode = options?.osCode ?? null;
  }
}

/** The connection could not be opened (aiohttp's `ClientConnectorError`). */
export class ClientConnectorError extends ClientOSError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_CONNECTOR';
  /** The host that was dialled. */
  readonly host: string;
  /** The port that was dialled. */
  readonly port: number;
  constructor(host: string, port: number, message: string, options?: ClientOSErrorOptions) {
    super(`Cannot connect to host ${host}:${port}: ${message}`, options);
    this.host = host;
    this.port = port;
  }
}

/** The host name did not resolve (aiohttp's `ClientConnectorDNSError`). */
export class ClientConnectorDNSError extends ClientConnectorError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_CONNECTOR_DNS';
}

/**
 * The proxy could not be reached (aiohttp's `ClientProxyConnectionError`):
 * `host` and `port` are the proxy's.
 */
export class ClientProxyConnectionError extends ClientConnectorError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_PROXY_CONNECTION';
}

/** The TLS handshake failed (aiohttp's `ClientSSLError`). */
export class ClientSSLError extends ClientConnectorError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_SSL';
}

/**
 * The server's certificate did not pass the checks: self-signed, expired, or
 * for another name (aiohttp's `ClientConnectorCertificateError`). `ssl: false`
 * skips them; a `TCPConnector({ ssl: { ca } })` trusts a private CA.
 */
export class ClientConnectorCertificateError extends ClientSSLError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_CERTIFICATE';
}

/**
 * Data sent on a connection that went away before it was written (aiohttp
 * 3.10's `ClientConnectionResetError`): a WebSocket send waiting for the peer
 * to read when the connection closes, or a write that failed after its send
 * resolved (then the socket's `exception()`).
 */
export class ClientConnectionResetError extends ClientConnectionError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_CONNECTION_RESET';
}

/** A failure on an established connection to the server (aiohttp's `ServerConnectionError`). */
export class ServerConnectionError extends ClientConnectionError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_SERVER_CONNECTION';
}

/** The server closed the connection before the response was complete. */
export class ServerDisconnectedError extends ServerConnectionError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_SERVER_DISCONNECTED';
}

/**
 * A client timeout (aiohttp's `ServerTimeoutError`): a core `TimeoutError`
 * that also passes `instanceof ClientError`/`ClientConnectionError`/`ServerConnectionError`.
 */
export class ServerTimeoutError extends TimeoutError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_TIMEOUT';
  /** @internal */
  readonly [kClientBrand] = true;
  /** @internal */
  readonly [kConnectionBrand] = true;
}

/**
 * Getting a connection took too long: `ClientTimeout.connect` or `sockConnect`.
 * `phase` tells whether the time went waiting for a free pool slot or opening the socket.
 */
export class ConnectionTimeoutError extends ServerTimeoutError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_CONNECTION_TIMEOUT';
  /** `'pool'`: no free connection slot in time; `'connect'`: the socket did not open in time. */
  readonly phase: 'pool' | 'connect';
  constructor(message: string, phase: 'pool' | 'connect', options?: AiotsErrorOptions) {
    super(message, options);
    this.phase = phase;
  }
}

/** No data arrived within `ClientTimeout.sockRead`. */
export class SocketTimeoutError extends ServerTimeoutError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_SOCKET_TIMEOUT';
}

/** The whole request (body included) outlived `ClientTimeout.total`. */
export class TotalTimeoutError extends ServerTimeoutError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_TOTAL_TIMEOUT';
}

/** Options of {@link ClientResponseError}. */
export interface ClientResponseErrorOptions extends AiotsErrorOptions {
  /** The HTTP status. @default 0 */
  readonly status?: number;
  /** The response headers, if any. */
  readonly headers?: Readonly<Record<string, string | string[]>> | null;
  /** The redirect chain that led here. */
  readonly history?: readonly unknown[];
}

/** A response that is an error (aiohttp's `ClientResponseError`), e.g. from `raiseForStatus()`. */
export class ClientResponseError extends ClientError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_RESPONSE';
  /** The HTTP status, or 0. */
  readonly status: number;
  /** What was requested. */
  readonly requestInfo: RequestInfo;
  /** The responses of the redirects followed before this one. */
  readonly history: readonly unknown[];
  /** The response headers, or null. */
  readonly headers: Readonly<Record<string, string | string[]>> | null;
  constructor(requestInfo: RequestInfo, message: string, options?: ClientResponseErrorOptions) {
    super(`${options?.status ?? 0}, message=${JSON.stringify(message)}, url='${requestInfo.realUrl.href}'`, options);
    this.status = options?.status ?? 0;
    this.requestInfo = requestInfo;
    this.history = options?.history ?? [];
    this.headers = options?.headers ?? null;
  }
}

/** `json()` on a response whose type is not JSON (aiohttp's `ContentTypeError`). */
export class ContentTypeError extends ClientResponseError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_CONTENT_TYPE';
}

/** More redirects than `maxRedirects` (aiohttp's `TooManyRedirects`). */
export class TooManyRedirects extends ClientResponseError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_TOO_MANY_REDIRECTS';
}

/**
 * The proxy refused to open a tunnel: its answer to `CONNECT` was not 2xx
 * (aiohttp's `ClientHttpProxyError`; 407 when it wants credentials, see `proxyAuth`).
 * `requestInfo` describes the `CONNECT` sent to the proxy.
 */
export class ClientHttpProxyError extends ClientResponseError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_HTTP_PROXY';
}

/** The server's upgrade answer was not a WebSocket handshake (aiohttp's `WSServerHandshakeError`). */
export class WSServerHandshakeError extends ClientResponseError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_WS_HANDSHAKE';
}

/** The response body was cut short or malformed (aiohttp's `ClientPayloadError`). */
export class ClientPayloadError extends ClientError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_PAYLOAD';
}

/** The body is larger than the `maxSize` given to `read()`/`text()`/`json()`. */
export class ClientResponseTooLargeError extends ClientPayloadError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_RESPONSE_TOO_LARGE';
  /** The limit, in bytes. */
  readonly maxSize: number;
  constructor(maxSize: number, seen: number | null, options?: AiotsErrorOptions) {
    super(`Response body is larger than maxSize (${maxSize} bytes)${seen === null ? '' : `: ${seen} bytes`}`, options);
    this.maxSize = maxSize;
  }
}

/** A URL that cannot be requested (aiohttp's `InvalidURL`). */
export class InvalidURL extends ClientError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_INVALID_URL';
  /** The offending URL, as given. */
  readonly url: string;
  constructor(url: string, description?: string, options?: AiotsErrorOptions) {
    super(description === undefined ? url : `${url} - ${description}`, options);
    this.url = url;
  }
}

/** A URL whose scheme is not http(s) (aiohttp's `NonHttpUrlClientError`). */
export class NonHttpUrlClientError extends InvalidURL {
  override readonly code: string = 'AIOTS_ERR_CLIENT_NON_HTTP_URL';
}

/** A redirect to a URL that does not parse (aiohttp's `InvalidUrlRedirectClientError`). */
export class InvalidUrlRedirectClientError extends InvalidURL {
  override readonly code: string = 'AIOTS_ERR_CLIENT_INVALID_URL_REDIRECT';
}

/** A redirect to a non-http(s) scheme, or an https→http downgrade not allowed (aiohttp's `NonHttpUrlRedirectClientError`). */
export class NonHttpUrlRedirectClientError extends NonHttpUrlClientError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_NON_HTTP_URL_REDIRECT';
}

/** A request header name or value that would break the request (CR, LF, NUL...); refused before sending. */
export class InvalidHeaderError extends ClientError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_INVALID_HEADER';
}

/** A redirect that cannot be followed (aiohttp's `RedirectClientError`). */
export class RedirectClientError extends ClientError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_REDIRECT';
}

/** A redirect from `https` to `http`, refused unless `allowInsecureRedirects` is set. */
export class InsecureRedirectClientError extends RedirectClientError {
  override readonly code: string = 'AIOTS_ERR_CLIENT_INSECURE_REDIRECT';
}
