// undici's and the OS's errors, turned into aiohttp's hierarchy. The
// original error is kept as `cause`.
import { isCancellation, TimeoutError } from '../core/errors.js';
import {
  ClientConnectionError, ClientConnectorCertificateError, ClientConnectorDNSError, ClientConnectorError, ClientOSError, ClientPayloadError,
  ClientSSLError, ConnectionTimeoutError, isClientError, ServerConnectionError, ServerDisconnectedError, SocketTimeoutError,
} from './errors.js';

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const DISCONNECT = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);
// OpenSSL's certificate verification results, as Node reports them in `code`.
const CERT = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE', 'INVALID_CA', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface CodedError {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
  errors?: unknown;
  socket?: { bytesRead?: number } | undefined;
}

function codeOf(err: unknown): string {
  const e = err as CodedError | null;
  if (e === null || typeof e !== 'object') return '';
  if (typeof e.code === 'string') return e.code;
  // Happy eyeballs reports every address tried in one AggregateError.
  if (Array.isArray(e.errors) && e.errors.length > 0) return codeOf(e.errors[0]);
  return '';
}

/** @internal True for a connection closed or reset before any response byte. */
export function isDisconnect(err: unknown): boolean {
  return DISCONNECT.has(codeOf(err));
}

/** @internal A stale keep-alive socket: it had carried a response before (or undici could not say). */
export function wasReusedSocket(err: unknown): boolean {
  const info = (err as CodedError | null)?.socket;
  return info === undefined || info === null || typeof info.bytesRead !== 'number' || info.bytesRead > 0;
}

/** @internal */
export function mapError(err: unknown, host: string, port: number, afterHeaders: boolean): unknown {
  if (isCancellation(err) || isClientError(err) || err instanceof TimeoutError) return err;
  const code = codeOf(err);
  const message = typeof (err as CodedError | null)?.message === 'string' ? (err as { message: string }).message : String(err);
  const opts = { cause: err, osCode: code === '' ? undefined : code };
  if (DNS.has(code)) return new ClientConnectorDNSError(host, port, `${code} (the name does not resolve)`, opts);
  if (CERT.has(code)) return new ClientConnectorCertificateError(host, port, `TLS certificate check failed: ${message} (${code})`, opts);
  if (code.startsWith('ERR_SSL_') || code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return new ClientSSLError(host, port, `TLS handshake failed: ${message} (${code})`, opts);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT': return new ConnectionTimeoutError(`Connection timeout to host ${host}:${port} (sockConnect)`, 'connect', { cause: err });
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT': return new SocketTimeoutError(`Timeout on reading data from socket (sockRead) for ${host}:${port}`, { cause: err });
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED': return new ClientConnectionError('Connector is closed', { cause: err });
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH': return new ClientPayloadError('Response payload is not completed: content-length mismatch', { cause: err });
    default: break;
  }
  if (DISCONNECT.has(code)) {
    const disc = new ServerDisconnectedError(`Server disconnected (${code === 'UND_ERR_SOCKET' ? message : code})`, { cause: err });
    return afterHeaders ? new ClientPayloadError('Response payload is not completed: server disconnected', { cause: disc }) : disc;
  }
  if (code.startsWith('HPE_')) {
    return afterHeaders
      ? new ClientPayloadError(`Response payload is malformed: ${message}`, { cause: err })
      : new ServerConnectionError(`Invalid HTTP response from ${host}:${port}: ${message}`, { cause: err });
  }
  if (code.startsWith('E')) {
    const syscall = (err as CodedError).syscall;
    if (syscall === 'connect' || code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
      return new ClientConnectorError(host, port, `${code}${typeof syscall === 'string' ? ` (${syscall})` : ''}`, opts);
    }
    return new ClientOSError(`${code}: ${message}`, opts);
  }
  return afterHeaders
    ? new ClientPayloadError(`Response payload failed: ${message}`, { cause: err })
    : new ClientConnectionError(`Request to ${host}:${port} failed: ${message}`, { cause: err });
}
