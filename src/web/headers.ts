/**
 * Case-insensitive header maps: {@link CIMultiDict} for responses (mutable)
 * and the read-only view of a request's headers.
 * @module
 */

/** Headers as users pass them: an object, pairs, or another map. */
export type HeadersInit = Readonly<Record<string, string | number | readonly string[]>> | Iterable<readonly [string, string]> | CIMultiDict;

/**
 * A case-insensitive multi-value map of header names to strings, as
 * multidict's `CIMultiDict`. Names keep the case they were first set with.
 * @example
 * const h = new CIMultiDict({ 'X-Id': '1' });
 * h.get('x-id'); // '1'
 */
export class CIMultiDict implements Iterable<[string, string]> {
  // Lowercase name → [name as given, ...values].
  readonly #map = new Map<string, string[]>();

  /** A map filled from `init`. */
  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof CIMultiDict) {
      for (const [k, v] of init) this.append(k, v);
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<readonly [string, string]>) this.append(pair[0], pair[1]);
    } else if (typeof init === 'object') {
      for (const [k, v] of Object.entries(init)) {
        if (Array.isArray(v)) for (const x of v as readonly string[]) this.append(k, x);
        else this.append(k, String(v as string | number));
      }
    } else {
      throw new TypeError(`CIMultiDict(): init must be an object or an iterable of pairs, got ${typeof init}`);
    }
  }

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    return this.#map.get(name.toLowerCase())?.[1];
  }

  /** Every value of `name` (empty when absent). */
  getAll(name: string): string[] {
    const e = this.#map.get(name.toLowerCase());
    return e === undefined ? [] : e.slice(1);
  }

  /** True when `name` is present. */
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  /** @internal Set once a Content-Length or Transfer-Encoding was added (it may have been deleted since). */
  _framing = false;

  /** Replace every value of `name` with `value`. */
  set(name: string, value: string | number): void {
    checkHeader(name, value);
    const key = name.toLowerCase();
    if (key === 'content-length' || key === 'transfer-encoding') this._framing = true;
    this.#map.set(key, [name, String(value)]);
  }

  /** Add a value for `name`, keeping the others. */
  append(name: string, value: string | number): void {
    checkHeader(name, value);
    const key = name.toLowerCase();
    if (key === 'content-length' || key === 'transfer-encoding') this._framing = true;
    const e = this.#map.get(key);
    if (e === undefined) this.#map.set(key, [name, String(value)]);
    else e.push(String(value));
  }

  /** Remove `name`; returns true if it was there. */
  delete(name: string): boolean {
    return this.#map.delete(name.toLowerCase());
  }

  /** How many distinct names. */
  get size(): number {
    return this.#map.size;
  }

  /** Every [name, value] pair, a name repeated once per value. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const e of this.#map.values()) {
      const name = e[0] as string;
      for (let i = 1; i < e.length; i++) yield [name, e[i] as string];
    }
  }

  /** @internal True when a value holds a Latin-1 byte above 0x7F (obs-text). */
  _hasObsText(): boolean {
    for (const e of this.#map.values()) {
      for (let i = 1; i < e.length; i++) if (OBS_TEXT.test(e[i] as string)) return true;
    }
    return false;
  }

  /** @internal Push name, value, name, value... onto `out` (Node's raw header array). */
  _flatten(out: string[]): void {
    for (const e of this.#map.values()) {
      const name = e[0] as string;
      for (let i = 1; i < e.length; i++) out.push(name, e[i] as string);
    }
  }
}

// Node rejects these too, but when the head is written, after the handler
// returned, and then drops the connection: checked when a value is set.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
const OBS_TEXT = /[\x80-\xff]/;
// What Node's http module sends in a header value or reason phrase: tab, visible ASCII, space, Latin-1.
const NOT_SENDABLE = /[^\t\x20-\x7e\x80-\xff]/;
// Digits, or identical repeats joined by commas ("5, 5", as a relayed header may carry).
const LENGTH = /^[\t ]*\d+[\t ]*(?:,[\t ]*\d+[\t ]*)*$/;

/** @internal An HTTP token (a method or a header name). */
export function isToken(s: unknown): s is string {
  return typeof s === 'string' && TOKEN.test(s);
}

/** @internal A header value a request or response may carry: no CR, LF or NUL. */
export function isSafeValue(s: unknown): s is string {
  return typeof s === 'string' && !BAD_VALUE.test(s);
}

/**
 * @internal Throw a TypeError naming `what` (`value of Location`) unless
 * Node can send `value` in a response head.
 */
export function checkHeaderValue(where: string, what: string, value: string): void {
  if (!NOT_SENDABLE.test(value)) return;
  const m = NOT_SENDABLE.exec(value) as RegExpExecArray;
  const c = m[0].codePointAt(0) as number;
  const shown = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c === 13 || c === 10 || c === 0) throw new TypeError(`${where}: ${what} must not contain CR, LF or NUL (${shown} at index ${m.index})`);
  throw new TypeError(`${where}: ${what} has ${shown} at index ${m.index}, which Node cannot send in a header (only tab, printable ASCII and Latin-1); percent-encode it (encodeURIComponent) or, for a file name, use RFC 8187 (filename*=UTF-8''...)`);
}

function checkHeader(name: string, value: unknown): void {
  if (!isToken(name)) throw new TypeError(`headers: invalid header name ${JSON.stringify(name)}`);
  if (typeof value === 'string') checkHeaderValue('headers', `value of ${name}`, value);
  else if (typeof value !== 'number') throw new TypeError(`headers: value of ${name} must be a string or number, got ${typeof value}`);
  if (name.length === 14 && name.toLowerCase() === 'content-length' && !LENGTH.test(String(value))) {
    throw new TypeError(`headers: value of ${name} must be a number of bytes, got ${JSON.stringify(value)}`);
  }
}

/**
 * A request's headers, read-only and case-insensitive, read straight from
 * Node's parsed headers (no copy is made).
 */
export class RequestHeaders implements Iterable<[string, string]> {
  readonly #raw: string[];
  readonly #parsed: NodeJS.Dict<string | string[]>;

  /** @internal */
  constructor(parsed: NodeJS.Dict<string | string[]>, raw: string[]) {
    this.#parsed = parsed;
    this.#raw = raw;
  }

  /** The value of `name` (repeated headers joined as Node joins them), or undefined. */
  get(name: string): string | undefined {
    const v = this.#parsed[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  /** Every value received for `name`, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    const raw = this.#raw;
    for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === key) out.push(raw[i + 1] as string);
    return out;
  }

  /** True when `name` was received. */
  has(name: string): boolean {
    return this.#parsed[name.toLowerCase()] !== undefined;
  }

  /** Header names and values as received. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const raw = this.#raw;
    for (let i = 0; i < raw.length; i += 2) yield [raw[i] as string, raw[i + 1] as string];
  }
}

const CHUNKED_LAST = /(?:^|,)[ \t]*chunked[ \t]*$/i;

/**
 * @internal Why a request Node handed over must still be refused with a 400,
 * or null. llhttp emits a request when its head is complete and checks some
 * rules only after that (a Transfer-Encoding that does not end in chunked,
 * RFC 9112 §6.3), answering 400 itself while the handler already runs; it
 * takes `GET /path` without a version as HTTP/0.9; and it keeps the first of
 * two Host fields where RFC 9112 §3.2 requires a 400 (a proxy routing on the
 * other one would disagree with us).
 */
export function refusedHead(req: { readonly httpVersionMajor: number; readonly rawHeaders: readonly string[] }): string | null {
  if (req.httpVersionMajor !== 1) return 'HTTP/0.9 requests are not served';
  // rawHeaders, not headers: Node builds the headers object on first use,
  // which most handlers never ask for. The length tests spare a lower-casing
  // for nearly every header.
  const raw = req.rawHeaders;
  let host = false;
  let te: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const n = name.length;
    if (n === 4) {
      if (name !== 'Host' && name.toLowerCase() !== 'host') continue;
      if (host) return 'More than one Host header';
      host = true;
    } else if (n === 17 && name.toLowerCase() === 'transfer-encoding') {
      const v = raw[i + 1] as string;
      te = te === undefined ? v : `${te}, ${v}`;
    }
  }
  if (te !== undefined && !CHUNKED_LAST.test(te)) return 'Transfer-Encoding must end in chunked';
  return null;
}
