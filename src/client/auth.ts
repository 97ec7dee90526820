/**
 * `BasicAuth`, as aiohttp's: a login and password sent as
 * `Authorization: Basic ...`, read back from a header or a URL.
 * @module
 */
import { inspect } from 'node:util';
import { describe } from '../core/validate.js';

// Python's codec names aiohttp users pass, and the Buffer encoding of each.
const ENCODINGS: ReadonlyMap<string, { buf: BufferEncoding; max: number }> = new Map([
  ['latin1', { buf: 'latin1', max: 0xff }], ['latin-1', { buf: 'latin1', max: 0xff }], ['iso-8859-1', { buf: 'latin1', max: 0xff }],
  ['iso8859-1', { buf: 'latin1', max: 0xff }], ['utf-8', { buf: 'utf8', max: 0x10ffff }], ['utf8', { buf: 'utf8', max: 0x10ffff }],
  ['ascii', { buf: 'ascii', max: 0x7f }], ['us-ascii', { buf: 'ascii', max: 0x7f }],
]);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function codec(where: string, encoding: unknown): { buf: BufferEncoding; max: number } {
  if (typeof encoding !== 'string') throw new TypeError(`${where}: encoding must be a string, got ${describe(encoding)}`);
  const c = ENCODINGS.get(encoding.toLowerCase());
  if (c === undefined) throw new RangeError(`${where}: unknown encoding ${JSON.stringify(encoding)} (latin1, utf-8 or ascii)`);
  return c;
}

function fits(s: string, max: number): boolean {
  if (max >= 0x10ffff) return !LONE_SURROGATE.test(s);
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > max) return false;
  return true;
}

/**
 * HTTP Basic credentials. A `:` in the login is refused (RFC 1945 §11.1), and
 * so are characters the encoding cannot carry: with the default `latin1`,
 * pass `'utf-8'` for other scripts (what the server expects is up to it).
 * @example
 * new ClientSession({ auth: new BasicAuth('user', 'pass') });
 * await session.get(url, { auth: new BasicAuth('josé', 'секрет', 'utf-8') });
 */
export class BasicAuth {
  /** The user name. */
  readonly login: string;
  /** The password. */
  readonly password: string;
  /** How `login:password` is turned into bytes (`latin1`, `utf-8` or `ascii`). */
  readonly encoding: string;
  readonly #buf: BufferEncoding;

  /** Credentials; see the class notes for what is refused. */
  constructor(login: string, password = '', encoding = 'latin1') {
    const W = 'BasicAuth()';
    if (typeof login !== 'string') throw new TypeError(`${W}: login must be a string, got ${describe(login)}`);
    if (typeof password !== 'string') throw new TypeError(`${W}: password must be a string, got ${describe(password)}`);
    const c = codec(W, encoding);
    if (login.includes(':')) throw new RangeError(`${W}: a ":" is not allowed in the login (RFC 1945 section 11.1)`);
    if (!fits(login, c.max) || !fits(password, c.max)) {
      throw new RangeError(`${W}: the login or password has characters that ${encoding} cannot encode (pass encoding 'utf-8' if the server expects UTF-8)`);
    }
    this.login = login;
    this.password = password;
    this.encoding = encoding;
    this.#buf = c.buf;
    Object.freeze(this);
  }

  /** The `Authorization` header value: `Basic <base64(login:password)>`. */
  encode(): string {
    return `Basic ${Buffer.from(`${this.login}:${this.password}`, this.#buf).toString('base64')}`;
  }

  /**
   * Read an `Authorization: Basic ...` header value back.
   * @throws RangeError when it is not Basic, not base64, or has no `:`.
   */
  static decode(header: string, encoding = 'latin1'): BasicAuth {
    const W = 'BasicAuth.decode()';
    if (typeof header !== 'string') throw new TypeError(`${W}: header must be a string, got ${describe(header)}`);
    const c = codec(W, encoding);
    const sp = header.indexOf(' ');
    if (sp === -1) throw new RangeError(`${W}: could not parse the authorization header`);
    const scheme = header.slice(0, sp);
    if (scheme.toLowerCase() !== 'basic') throw new RangeError(`${W}: unknown authorization method ${JSON.stringify(scheme)}`);
    const b64 = header.slice(sp + 1);
    if (!BASE64.test(b64)) throw new RangeError(`${W}: invalid base64 encoding`);
    const bytes = Buffer.from(b64, 'base64');
    let text: string;
    if (c.buf === 'utf8') {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch (e) {
        throw new RangeError(`${W}: the credentials are not valid UTF-8`, { cause: e });
      }
    } else {
      text = bytes.toString(c.buf);
    }
    const colon = text.indexOf(':');
    if (colon === -1) throw new RangeError(`${W}: invalid credentials (no ":")`);
    return new BasicAuth(text.slice(0, colon), text.slice(colon + 1), encoding);
  }

  /** The credentials of `http://user:pass@host/` (percent-decoded), or null when the URL has none. */
  static fromUrl(url: URL | string, options: { readonly encoding?: string } = {}): BasicAuth | null {
    const u = typeof url === 'string' ? new URL(url) : url;
    if (!(u instanceof URL)) throw new TypeError(`BasicAuth.fromUrl(): url must be a URL or a string, got ${describe(url)}`);
    if (u.username === '' && u.password === '') return null;
    return new BasicAuth(decodeURIComponent(u.username), decodeURIComponent(u.password), options.encoding ?? 'latin1');
  }

  /** As aiohttp's namedtuple repr, with the password hidden. */
  [inspect.custom](): string {
    return `BasicAuth(login=${JSON.stringify(this.login)}, password='***', encoding=${JSON.stringify(this.encoding)})`;
  }
}

/** @internal Check an `auth` option: a BasicAuth, or null/undefined for none. */
export function toAuth(where: string, value: unknown): BasicAuth | null {
  if (value === undefined || value === null) return null;
  if (!(value instanceof BasicAuth)) throw new TypeError(`${where}: auth must be a BasicAuth, got ${describe(value)}`);
  return value;
}

/**
 * @internal The `Authorization` value for a request, as aiohttp decides it:
 * the request's `auth`, else credentials in the URL (taken out of it), else
 * the session's `auth`. `auth` together with credentials in the URL is refused.
 */
export function requestAuth(where: string, u: URL, auth: BasicAuth | null, sessionAuth: BasicAuth | null): string | undefined {
  if (u.username !== '' || u.password !== '') {
    if (auth !== null) throw new TypeError(`${where}: cannot combine the auth option with credentials in the URL`);
    let fromUrl: BasicAuth;
    try {
      fromUrl = BasicAuth.fromUrl(u) as BasicAuth;
    } catch (e) {
      if (!(e instanceof RangeError) || !e.message.includes('cannot encode')) throw e;
      throw new RangeError(`${where}: the credentials in the URL cannot be sent as latin1 (as aiohttp sends them); take them out and pass auth: new BasicAuth(login, password, 'utf-8')`, { cause: e });
    }
    u.username = '';
    u.password = '';
    return fromUrl.encode();
  }
  return (auth ?? sessionAuth)?.encode();
}
