/**
 * `ClientTimeout`, as aiohttp's: the limits of one request, in seconds.
 * @module
 */
import { describe } from '../core/validate.js';
import { checkOptions, knownOptions } from '../core/options.js';

const TIMEOUT_OPTIONS = knownOptions('total', 'connect', 'sockConnect', 'sockRead');

/** The fields of a {@link ClientTimeout}; each is seconds, or `null` for no limit. */
export interface ClientTimeoutOptions {
  /** The whole request: waiting for a connection, sending, headers and reading the body. @default null */
  readonly total?: number | null;
  /** Getting a connection: waiting for a free pool slot plus opening the socket. @default null */
  readonly connect?: number | null;
  /** Opening a new socket (TCP and TLS handshake). @default 30 */
  readonly sockConnect?: number | null;
  /** Longest wait for the next bytes of the response (headers or body). @default null */
  readonly sockRead?: number | null;
}

function seconds(name: string, value: unknown, dflt: number | null): number | null {
  if (value === undefined) return dflt;
  if (value === null) return null;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`ClientTimeout(): ${name} must be a number of seconds or null, got ${describe(value)}`);
  if (value <= 0) throw new RangeError(`ClientTimeout(): ${name} must be > 0 seconds (null for no limit), got ${value}`);
  return value === Infinity ? null : value;
}

/**
 * Per-request time limits, in seconds (`null`: no limit). The session default
 * is `new ClientTimeout({ total: 300 })`. `total` is enforced on its own:
 * a peer that never answers fails the request when `total` runs out even
 * with no `sockRead`.
 * @example
 * const session = new ClientSession({ timeout: new ClientTimeout({ total: 60, sockRead: 10 }) });
 */
export class ClientTimeout {
  /** Whole request, seconds or null. */
  readonly total: number | null;
  /** Pool wait plus connect, seconds or null. */
  readonly connect: number | null;
  /** Socket connect, seconds or null. */
  readonly sockConnect: number | null;
  /** Idle read, seconds or null. */
  readonly sockRead: number | null;

  /** Build a timeout; every field is optional. */
  constructor(options: ClientTimeoutOptions = {}) {
    checkOptions('ClientTimeout()', options, TIMEOUT_OPTIONS);
    this.total = seconds('total', options.total, null);
    this.connect = seconds('connect', options.connect, null);
    this.sockConnect = seconds('sockConnect', options.sockConnect, 30);
    this.sockRead = seconds('sockRead', options.sockRead, null);
    Object.freeze(this);
  }

  /** A copy with some fields replaced (aiohttp's `ClientTimeout` is a frozen dataclass; this is its `replace`). */
  with(options: ClientTimeoutOptions): ClientTimeout {
    checkOptions('ClientTimeout.with()', options, TIMEOUT_OPTIONS);
    return new ClientTimeout({
      total: options.total === undefined ? this.total : options.total,
      connect: options.connect === undefined ? this.connect : options.connect,
      sockConnect: options.sockConnect === undefined ? this.sockConnect : options.sockConnect,
      sockRead: options.sockRead === undefined ? this.sockRead : options.sockRead,
    });
  }
}

/** The session default: 300 s in total, 30 s to open a socket. */
export const DEFAULT_TIMEOUT = new ClientTimeout({ total: 300 });
