// Validation of the options shared by openConnection and startServer.
import { isIP } from 'node:net';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { describe, toDelay, toInt } from '../validate.js';

/** @internal A host name or address: a non-empty string without spaces. */
export function toHost(where: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${where}: host must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new RangeError(`${where}: host must not be empty`);
  if (/[\s/]/.test(value)) throw new RangeError(`${where}: host must be a host name or an address, got ${JSON.stringify(value)}`);
  return value;
}

/** @internal A TCP port; 0 (any free port) only where `allowZero`. */
export function toPort(where: string, value: unknown, allowZero: boolean): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${where}: port must be an integer, got ${describe(value)}`);
  }
  const min = allowZero ? 0 : 1;
  if (value < min || value > 65535) throw new RangeError(`${where}: port must be between ${min} and 65535, got ${value}`);
  return value;
}

/** @internal The reader limit: a positive integer number of bytes. */
export function toLimit(where: string, value: unknown): number | undefined {
  return value === undefined ? undefined : toInt(where, 'limit', value, 1);
}

/** @internal A timeout in seconds, or undefined for none. */
export function toTimeout(where: string, name: string, value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : toDelay(where, name, value);
}

/** @internal `ssl` as TLS options, or undefined for plain TCP. */
export function toSsl<T extends ConnectionOptions | TlsOptions>(where: string, value: unknown): T | undefined {
  if (value === undefined || value === false || value === null) return undefined;
  if (value === true) return {} as T;
  if (typeof value !== 'object') throw new TypeError(`${where}: ssl must be true or TLS options, got ${describe(value)}`);
  return value as T;
}

/** @internal A socket path for a Unix connection or server. */
export function toPath(where: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${where}: path must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new RangeError(`${where}: path must not be empty`);
  return value;
}

/**
 * @internal How to name the TLS peer: SNI for a host name; an IP address is
 * only checked against the certificate (SNI must not carry one, RFC 6066).
 */
export function tlsTarget(name: string): { servername: string } | { host: string } {
  return isIP(name) === 0 ? { servername: name } : { host: name };
}
