/**
 * `DigestAuthMiddleware`, as aiohttp 3.12's: HTTP Digest authentication
 * (RFC 7616) as a client middleware. A 401 with a `Digest` challenge is
 * answered once, by resending the request with the computed `Authorization`;
 * later requests to the same origin send it at once (the nonce counted up),
 * until the server asks again.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe } from '../core/validate.js';
import type { ClientRequest } from './client-request.js';
import { ClientError } from './errors.js';
import type { ClientHandler } from './middlewares.js';
import type { ClientResponse } from './response.js';

// RFC 7616 §3.2 names (and the older spellings aiohttp accepts) → node:crypto's.
const HASHES: ReadonlyMap<string, string> = new Map([
  ['MD5', 'md5'], ['SHA', 'sha1'], ['SHA-256', 'sha256'], ['SHA256', 'sha256'], ['SHA-512', 'sha512'], ['SHA512', 'sha512'],
  ['SHA-512-256', 'sha512-256'],
]);

// key=value or key="quoted, with \" escapes", as in a WWW-Authenticate challenge.
const PAIR = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;

/** @internal The parameters of a challenge, names lower-case. */
export function parseChallenge(params: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const m of params.matchAll(PAIR)) {
    const key = (m[1] as string).toLowerCase();
    if (!(key in out)) out[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string);
  }
  return out;
}

interface Challenge {
  readonly realm: string;
  readonly nonce: string;
  readonly qop: '' | 'auth' | 'auth-int';
  readonly algorithm: string;
  readonly hash: string;
  readonly sess: boolean;
  readonly opaque: string | undefined;
}

function toChallenge(p: Record<string, string>): Challenge {
  if (p.realm === undefined) throw new ClientError('Digest challenge is missing realm');
  if (p.nonce === undefined || p.nonce === '') throw new ClientError('Digest challenge is missing nonce');
  const algorithm = p.algorithm ?? 'MD5';
  const upper = algorithm.toUpperCase();
  const sess = upper.endsWith('-SESS');
  const hash = HASHES.get(sess ? upper.slice(0, -5) : upper);
  if (hash === undefined) throw new ClientError(`Digest challenge: unsupported hash algorithm ${JSON.stringify(algorithm)} (MD5, SHA-256, SHA-512, and their -sess variants)`);
  let qop: Challenge['qop'] = '';
  if (p.qop !== undefined && p.qop !== '') {
    const offered = p.qop.split(',').map((q) => q.trim().toLowerCase());
    if (offered.includes('auth')) qop = 'auth';
    else if (offered.includes('auth-int')) qop = 'auth-int';
    else throw new ClientError(`Digest challenge: unsupported qop ${JSON.stringify(p.qop)} (auth, auth-int)`);
  }
  return { realm: p.realm, nonce: p.nonce, qop, algorithm, hash, sess, opaque: p.opaque };
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * HTTP Digest authentication as a client middleware.
 * @example
 * const digest = new DigestAuthMiddleware('user', 'pass');
 * await using session = new ClientSession({ middlewares: [digest] });
 * const resp = await session.get('http://127.0.0.1:8080/protected');
 */
export class DigestAuthMiddleware {
  readonly #login: string;
  readonly #password: string;
  #challenge: Challenge | null = null;
  #origin = '';
  #nonceCount = 0;

  /** Credentials; a `:` in the login is refused (RFC 1945 §11.1). */
  constructor(login: string, password: string) {
    const W = 'DigestAuthMiddleware()';
    if (typeof login !== 'string') throw new TypeError(`${W}: login must be a string, got ${describe(login)}`);
    if (typeof password !== 'string') throw new TypeError(`${W}: password must be a string, got ${describe(password)}`);
    if (login.includes(':')) throw new RangeError(`${W}: a ":" is not allowed in the login (RFC 1945 section 11.1)`);
    this.#login = login;
    this.#password = password;
  }

  /** The middleware: `middlewares: [digest]` calls it with each request. */
  async handle(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    if (this.#challenge !== null && this.#origin === request.url.origin) request.headers.set('authorization', this.#authorization(request));
    const resp = await handler(request);
    if (resp.status !== 401) return resp;
    const params = this.#digestParams(resp);
    if (params === null) return resp;
    resp.release(); // the 401 is answered (or refused) here: its connection goes back
    this.#challenge = toChallenge(params);
    this.#origin = request.url.origin;
    this.#nonceCount = 0;
    request.headers.set('authorization', this.#authorization(request));
    return handler(request);
  }

  #digestParams(resp: ClientResponse): Record<string, string> | null {
    for (const value of resp.headers.getAll('www-authenticate')) {
      const sp = value.indexOf(' ');
      if (sp > 0 && value.slice(0, sp).toLowerCase() === 'digest') return parseChallenge(value.slice(sp + 1));
    }
    return null;
  }

  #authorization(request: ClientRequest): string {
    const c = this.#challenge as Challenge;
    const H = (s: string | Uint8Array): string => createHash(c.hash).update(s).digest('hex');
    const uri = request.url.pathname + request.url.search;
    const nc = (++this.#nonceCount).toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    let ha1 = H(`${this.#login}:${c.realm}:${this.#password}`);
    if (c.sess) ha1 = H(`${ha1}:${c.nonce}:${cnonce}`);
    let a2 = `${request.method}:${uri}`;
    if (c.qop === 'auth-int') {
      const body = request.body;
      a2 += `:${H(typeof body === 'string' || body instanceof Uint8Array ? body : '')}`;
    }
    const ha2 = H(a2);
    const response = c.qop === '' ? H(`${ha1}:${c.nonce}:${ha2}`) : H(`${ha1}:${c.nonce}:${nc}:${cnonce}:${c.qop}:${ha2}`);
    const parts = [
      `username=${quote(this.#login)}`, `realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`, `uri=${quote(uri)}`,
      `response="${response}"`, `algorithm=${c.algorithm}`,
    ];
    if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
    if (c.qop !== '') parts.push(`qop=${c.qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
    return `Digest ${parts.join(', ')}`;
  }

  /** `DigestAuthMiddleware(login='user')`; the password is never shown. */
  [inspect.custom](): string {
    return `DigestAuthMiddleware(login=${JSON.stringify(this.#login)})`;
  }
}
