// Which encoding decodes a text body: the content type's charset when it is
// one the platform knows, UTF-8 for JSON, else the session's fallback
// resolver (aiohttp's `fallback_charset_resolver`, UTF-8 by default).
import { describe } from '../core/validate.js';
import type { ClientResponse } from './response.js';

/** Picks the encoding of a body whose content type names none (or an unknown one): `(response, body) => 'windows-1252'`. */
export type CharsetResolver = (response: ClientResponse, body: Buffer) => string;

/** @internal */
export function toCharsetResolver(where: string, value: unknown): CharsetResolver | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'function') throw new TypeError(`${where}: fallbackCharsetResolver must be a function (response, body) => encoding, got ${describe(value)}`);
  return value as CharsetResolver;
}

/** @internal The WHATWG name of a label (`latin1` → `windows-1252`), or null when the platform does not know it. */
export function encodingName(label: string): string | null {
  const l = label.trim().toLowerCase();
  if (l === 'utf-8' || l === 'utf8') return 'utf-8';
  try {
    return new TextDecoder(l).encoding;
  } catch {
    return null;
  }
}
