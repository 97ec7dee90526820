/**
 * `CookieJar`, as aiohttp's, on `tough-cookie` (RFC 6265: domain, path,
 * secure, expiry and public-suffix rules).
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { CookieJar as ToughJar } from 'tough-cookie';
import { describe } from '../core/validate.js';
import { cookiePair, unquoteCookieValue } from './cookie-quote.js';
import { checkOptions, knownOptions } from '../core/options.js';

const JAR_OPTIONS = knownOptions('unsafe');
const JAR_SETTINGS = { allowSpecialUseDomain: true, rejectPublicSuffixes: true } as const;

/** Options of {@link CookieJar}. */
export interface CookieJarOptions {
  /** Accept cookies from IP-address hosts (refused by default, as aiohttp). @default false */
  readonly unsafe?: boolean;
}

/** A cookie as stored in the jar. */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly domain: string | null;
  readonly path: string | null;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** Expiry, or null for a session cookie. */
  readonly expires: Date | null;
}

/**
 * The cookies a session keeps: `Set-Cookie` answers are stored, and each
 * request carries those that match its URL. Hosts given as IP addresses are
 * ignored unless `unsafe` is set.
 * @example
 * const jar = new CookieJar({ unsafe: true });
 * const session = new ClientSession({ cookieJar: jar });
 */
export class CookieJar {
  #jar = new ToughJar(undefined, JAR_SETTINGS);
  readonly #unsafe: boolean;
  #size = 0;

  /** An empty jar. */
  constructor(options: CookieJarOptions = {}) {
    checkOptions('CookieJar()', options, JAR_OPTIONS);
    const unsafe = options.unsafe ?? false;
    if (typeof unsafe !== 'boolean') throw new TypeError(`CookieJar(): unsafe must be a boolean, got ${describe(unsafe)}`);
    this.#unsafe = unsafe;
  }

  /** True if the jar accepts cookies from IP-address hosts. */
  get unsafe(): boolean {
    return this.#unsafe;
  }

  #allowed(url: URL): boolean {
    return this.#unsafe || isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0;
  }

  /**
   * Store cookies received from `url`: `Set-Cookie` header values (attributes
   * apply; invalid lines are skipped), or a record `name → value` of plain
   * cookies for `url`'s host, each value quoted as aiohttp quotes it (so
   * `{ pref: 'dark; Domain=example.com' }` is one cookie whose value has a
   * `;`, not a domain cookie).
   */
  updateCookies(setCookies: Iterable<string> | Readonly<Record<string, string>>, url: URL | string): void {
    const W = 'CookieJar.updateCookies()';
    const u = typeof url === 'string' ? new URL(url) : url;
    const lines = Symbol.iterator in setCookies ? setCookies : Object.entries(setCookies).map(([k, v]) => cookiePair(W, k, v));
    if (!this.#allowed(u)) return;
    for (const line of lines) {
      if (typeof line !== 'string') throw new TypeError(`${W}: each cookie must be a string, got ${describe(line)}`);
      if (this.#jar.setCookieSync(line, u.href, { ignoreError: true }) !== undefined) this.#size++;
    }
  }

  /** The `Cookie` header value for a request to `url`, or '' when none match. */
  cookieHeader(url: URL | string): string {
    if (this.#size === 0) return '';
    const u = typeof url === 'string' ? new URL(url) : url;
    if (!this.#allowed(u)) return '';
    return this.#jar.getCookieStringSync(u.href);
  }

  /** The cookies that would be sent to `url`, `name → value` (aiohttp's `filter_cookies`; quoted values read back, as a Morsel's `value`). */
  filterCookies(url: URL | string): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.#size === 0) return out;
    const u = typeof url === 'string' ? new URL(url) : url;
    if (!this.#allowed(u)) return out;
    for (const c of this.#jar.getCookiesSync(u.href)) out[c.key] = unquoteCookieValue(c.value);
    return out;
  }

  /** Every stored cookie. */
  *[Symbol.iterator](): Iterator<StoredCookie> {
    const data = this.#jar.serializeSync();
    for (const c of data?.cookies ?? []) {
      const expires = c.expires;
      yield {
        name: String(c.key ?? ''),
        value: String(c.value ?? ''),
        domain: typeof c.domain === 'string' ? c.domain : null,
        path: typeof c.path === 'string' ? c.path : null,
        secure: c.secure === true,
        httpOnly: c.httpOnly === true,
        expires: typeof expires === 'string' && expires !== 'Infinity' ? new Date(expires) : null,
      };
    }
  }

  /**
   * Write every cookie to `path` (JSON, tough-cookie's serialisation; the file
   * is made readable by its owner only: cookies are credentials). As aiohttp's
   * `save()`, synchronous.
   * @example
   * session.cookieJar.save('/var/lib/app/cookies.json');
   */
  save(path: string): void {
    if (typeof path !== 'string' || path === '') throw new TypeError(`CookieJar.save(): path must be a non-empty string, got ${describe(path)}`);
    writeFileSync(path, JSON.stringify(this.#jar.serializeSync()), { mode: 0o600 });
  }

  /**
   * Replace the jar's cookies with those `save()` wrote to `path` (as aiohttp's
   * `load()`, synchronous). A file that is not a saved jar is an error and
   * leaves the jar as it was.
   */
  load(path: string): void {
    const W = 'CookieJar.load()';
    if (typeof path !== 'string' || path === '') throw new TypeError(`${W}: path must be a non-empty string, got ${describe(path)}`);
    const text = readFileSync(path, 'utf8');
    let jar: ToughJar;
    let size: number;
    try {
      const data: unknown = JSON.parse(text);
      if (typeof data !== 'object' || data === null || !Array.isArray((data as { cookies?: unknown }).cookies)) throw new Error('no cookies array');
      size = (data as { cookies: unknown[] }).cookies.length;
      jar = ToughJar.deserializeSync(data as Parameters<typeof ToughJar.deserializeSync>[0]);
    } catch (e) {
      throw new TypeError(`${W}: ${path} is not a cookie jar written by save()`, { cause: e });
    }
    this.#jar = jar;
    this.#size = size;
  }

  /** Forget every cookie. */
  clear(): void {
    this.#jar.removeAllCookiesSync();
    this.#size = 0;
  }
}

/**
 * A jar that stores nothing, as aiohttp's `DummyCookieJar`.
 * @example
 * new ClientSession({ cookieJar: new DummyCookieJar() });
 */
export class DummyCookieJar extends CookieJar {
  override updateCookies(): void {}
  override cookieHeader(): string {
    return '';
  }
}
