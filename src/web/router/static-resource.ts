/**
 * A folder served under a URL prefix, as aiohttp's `StaticResource`
 * (`app.router.addStatic`). The router finds it by its prefix in the same
 * longest-prefix walk as every other resource, so `/static/special` added
 * as a route still wins over the folder.
 *
 * No byte outside the folder is served: the file name (already decoded by
 * the server, which refuses bad or overlong escapes and NUL) is refused
 * when absolute, joined and normalised, and must stay inside the folder;
 * then, unless `followSymlinks`, its real path (links resolved) must too.
 * @module
 */
import { closeSync, openSync, readSync, realpath, realpathSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { checkOptions, knownOptions } from '../../core/options.js';
import { describe } from '../../core/validate.js';
import { HTTPForbidden, HTTPNotFound } from '../exceptions.js';
import { FileResponse } from '../file-response.js';
import { statFile, statusOf } from '../file-open.js';
import type { Request } from '../request.js';
import type { StreamResponse } from '../response.js';
import { directoryIndex } from './directory-index.js';
import { literalMatchForm, quoteLiteral, quoteValue } from './path-encoding.js';
import { Resource, type UrlForOptions } from './resources.js';

/** Options of `addStatic`. */
export interface StaticOptions {
  /** A name, to build URLs with `router.get(name).urlFor({ filename })`. */
  readonly name?: string;
  /** Answer a directory with an HTML list of its entries (else 403, as aiohttp). @default false */
  readonly showIndex?: boolean;
  /** Serve symlinks that point outside the folder (links inside it are always served). @default false */
  readonly followSymlinks?: boolean;
  /** `urlFor` adds `?v=<hash of the content>`, for caching forever. @default false */
  readonly appendVersion?: boolean;
  /** Passed to each {@link FileResponse}. @default 262144 */
  readonly chunkSize?: number;
}

/** Options of a static resource's `urlFor`. */
export interface StaticUrlForOptions extends UrlForOptions {
  /** Override the resource's `appendVersion`. */
  readonly appendVersion?: boolean;
}

/** @internal */
export const STATIC_OPTIONS = knownOptions('name', 'showIndex', 'followSymlinks', 'appendVersion', 'chunkSize');
const STATIC_URL_FOR_OPTIONS = knownOptions('query', 'appendVersion');
const HASH_CHUNK = 64 * 1024;

/** A folder served under a prefix; its routes are GET and HEAD. */
export class StaticResource extends Resource {
  readonly #prefix: string;
  /** @internal The prefix in matched form, without a trailing slash ('' at the root). */
  readonly _match: string;
  /** The folder, absolute and with its links resolved. */
  readonly directory: string;
  readonly #inside: string;
  readonly #showIndex: boolean;
  readonly #followSymlinks: boolean;
  readonly #appendVersion: boolean;
  readonly #chunkSize: number | undefined;

  /** @internal */
  constructor(prefix: string, directory: string, options: StaticOptions | undefined) {
    super(options?.name ?? null);
    checkOptions('addStatic()', options, STATIC_OPTIONS);
    if (typeof prefix !== 'string' || !prefix.startsWith('/')) throw new TypeError(`addStatic(): prefix must be a string starting with "/", got ${describe(prefix)}`);
    if (typeof directory !== 'string' || directory === '') throw new TypeError(`addStatic(): directory must be a non-empty string, got ${describe(directory)}`);
    for (const key of ['showIndex', 'followSymlinks', 'appendVersion'] as const) {
      const v = options?.[key];
      if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`addStatic(): ${key} must be a boolean, got ${describe(v)}`);
    }
    while (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
    this.#prefix = prefix;
    this._match = literalMatchForm('addStatic()', prefix);
    // Resolved once, as aiohttp: a missing folder is an error at registration, not a 404 per request.
    let dir: string;
    try {
      dir = realpathSync(resolve(directory));
    } catch (e) {
      throw new Error(`addStatic(): no folder at ${JSON.stringify(directory)}`, { cause: e });
    }
    if (!statSync(dir).isDirectory()) throw new Error(`addStatic(): ${JSON.stringify(directory)} is not a folder`);
    this.directory = dir;
    this.#inside = dir.endsWith(sep) ? dir : dir + sep;
    this.#showIndex = options?.showIndex ?? false;
    this.#followSymlinks = options?.followSymlinks ?? false;
    this.#appendVersion = options?.appendVersion ?? false;
    // FileResponse checks it (and names the option) the first time; checking here fails at registration.
    this.#chunkSize = options?.chunkSize;
    if (this.#chunkSize !== undefined) new FileResponse(dir, { chunkSize: this.#chunkSize });
    const handler = (request: Request): Promise<StreamResponse> => this.#handle(request);
    this.addRoute('GET', handler);
    this.addRoute('HEAD', handler);
  }

  override get canonical(): string {
    return this.#prefix;
  }

  override get _key(): string {
    return this._match === '' ? '/' : this._match;
  }

  /** @internal The `filename` of `path` (matched form) if it is under the prefix, else null. */
  _filename(path: string): string | null {
    const m = this._match;
    if (path.length === m.length) return path === m ? '' : null;
    if (!path.startsWith(m) || path.charCodeAt(m.length) !== 47) return null;
    const rest = path.slice(m.length + 1);
    return rest.includes('%') ? rest.replace(/%2F/gi, '/').replace(/%25/g, '%') : rest;
  }

  /**
   * The URL of `filename` under the prefix, with `?v=<hash>` when
   * `appendVersion` (aiohttp's: the URL-safe base64 of the SHA-256 of the
   * content) and the file exists inside the folder.
   * @example router.get('static').urlFor({ filename: 'app.js' }) // '/static/app.js?v=...'
   */
  override urlFor(parts?: Readonly<Record<string, string>>, options?: StaticUrlForOptions): string {
    checkOptions('urlFor()', options, STATIC_URL_FOR_OPTIONS);
    const filename = parts?.filename;
    if (typeof filename !== 'string') throw new TypeError(`urlFor(): a static resource takes { filename }, got ${describe(filename)}`);
    for (const k of Object.keys(parts ?? {})) if (k !== 'filename') throw new TypeError(`urlFor(): a static resource takes only filename, got ${k}`);
    const name = filename.replace(/^\/+/, '');
    let url = `${this._urlPrefix}${quoteLiteral(this._match)}/${quoteValue(name, true)}`;
    const query = new URLSearchParams(options?.query instanceof URLSearchParams ? options.query : (options?.query ?? {}));
    if (options?.appendVersion ?? this.#appendVersion) {
      const hash = this.#hashOf(name);
      if (hash !== null) query.set('v', hash);
    }
    const q = query.toString();
    if (q !== '') url += `?${q}`;
    return url;
  }

  #hashOf(name: string): string | null {
    let path: string;
    try {
      path = this.#confine(name);
      if (!this.#followSymlinks) path = this.#checkReal(realpathSync(path));
      if (!statSync(path).isFile()) return null;
    } catch {
      return null;
    }
    // Read in chunks, so a large file is hashed without holding it in memory.
    const hash = createHash('sha256');
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(HASH_CHUNK);
      for (let n; (n = readSync(fd, buf, 0, HASH_CHUNK, null)) > 0;) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return hash.digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
  }

  /** The path of `filename` joined under the folder; throws an HTTP error if it leaves it. */
  #confine(filename: string): string {
    // The server refuses a NUL in the path, but a clone's or a test's request may carry one.
    if (filename.includes('\0')) throw new HTTPNotFound();
    // `/static//etc/passwd`, `/static/%2Fetc`, `C:\...`: absolute, so refused (aiohttp too).
    if (filename.startsWith('/') || isAbsolute(filename)) throw new HTTPForbidden();
    const joined = join(this.directory, filename);
    if (joined !== this.directory && !joined.startsWith(this.#inside)) throw new HTTPNotFound();
    return joined;
  }

  /** `real` if it is inside the folder, else a 404 (a link that leaves it). */
  #checkReal(real: string): string {
    if (real !== this.directory && !real.startsWith(this.#inside)) throw new HTTPNotFound();
    return real;
  }

  async #handle(request: Request): Promise<StreamResponse> {
    const filename = (request.matchInfo).filename ?? '';
    let path = this.#confine(filename);
    try {
      if (!this.#followSymlinks) path = this.#checkReal(await realpathAsync(path));
      const st = await statFile(path);
      if (st.directory) {
        if (!this.#showIndex) throw new HTTPForbidden();
        return await directoryIndex(path, this.directory, this._urlPrefix + quoteLiteral(this._match));
      }
      const resp = new FileResponse(path, this.#chunkSize === undefined ? undefined : { chunkSize: this.#chunkSize });
      resp._known = st;
      return resp;
    } catch (e) {
      if (e instanceof HTTPForbidden || e instanceof HTTPNotFound) throw e;
      // ENOENT, ENOTDIR, ELOOP (a link cycle), ...: 404; EACCES: 403. Never a 500 for a path a client sent.
      throw statusOf(e) === 403 ? new HTTPForbidden() : new HTTPNotFound();
    }
  }
}

function realpathAsync(path: string): Promise<string> {
  return new Promise((res, rej) => {
    realpath.native(path, (err, p) => (err === null ? res(p) : rej(err)));
  });
}
