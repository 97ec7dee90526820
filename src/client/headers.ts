/**
 * `ResponseHeaders`: the response's headers, read case-insensitively, as
 * aiohttp's `CIMultiDictProxy`.
 * @module
 */

/** Lower-case name → value, or values for a repeated header. */
export type HeaderRecord = Record<string, string | string[]>;

/** @internal Parse undici's raw `[name, value, ...]` list once. */
export function parseRawHeaders(raw: readonly Buffer[] | readonly string[]): HeaderRecord {
  const out: HeaderRecord = Object.create(null) as HeaderRecord;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer | string).toString('latin1').toLowerCase();
    const value = (raw[i + 1] as Buffer | string).toString('latin1');
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (typeof prev === 'string') out[name] = [prev, value];
    else prev.push(value);
  }
  return out;
}

/**
 * Read-only, case-insensitive response headers. `get` joins repeated
 * headers with `, ` (as `fetch`'s `Headers`); `getAll` returns each value.
 * @example
 * resp.headers.get('Content-Type'); // 'text/html; charset=utf-8'
 * resp.headers.getAll('set-cookie');
 */
export class ResponseHeaders implements Iterable<[string, string]> {
  readonly #map: HeaderRecord;

  /** @internal */
  constructor(map: HeaderRecord) {
    this.#map = map;
  }

  /** The value of `name`, or null. */
  get(name: string): string | null {
    const v = this.#map[name.toLowerCase()];
    if (v === undefined) return null;
    return typeof v === 'string' ? v : v.join(', ');
  }

  /** Every value of `name` (empty if absent). */
  getAll(name: string): string[] {
    const v = this.#map[name.toLowerCase()];
    return v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
  }

  /** Every `Set-Cookie` value, as `fetch`'s `Headers.getSetCookie()` (code written for `fetch` keeps working). */
  getSetCookie(): string[] {
    return this.getAll('set-cookie');
  }

  /** True if the header is present. */
  has(name: string): boolean {
    return this.#map[name.toLowerCase()] !== undefined;
  }

  /** The lower-case header names. */
  keys(): string[] {
    return Object.keys(this.#map);
  }

  /** `[name, value]` pairs, one per value. */
  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const k in this.#map) {
      const v = this.#map[k] as string | string[];
      if (typeof v === 'string') yield [k, v];
      else for (const x of v) yield [k, x];
    }
  }

  /** The headers as a plain object (repeated ones as arrays). */
  toJSON(): Readonly<HeaderRecord> {
    return this.#map;
  }
}
