/**
 * Conditional requests for a file (RFC 9110 §13): `If-Match`,
 * `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since` evaluated in
 * the order of §13.2.2, and `If-Range`.
 * @module
 */

/** The validators of the representation a file response would send. */
export interface Validators {
  /** The strong entity tag, quotes included (`"17f3a…-1a"`). */
  readonly etag: string;
  /** Last-Modified in whole seconds since the epoch (the precision of an HTTP date). */
  readonly lastModified: number;
}

/** The outcome of the preconditions: send it (200/206), 304, or 412. */
export type Precondition = 'send' | 'not-modified' | 'failed';

// An entity-tag in a list: an optional W/, then a quoted opaque tag (RFC 9110 §8.8.3).
const ETAG = /\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)/gy;

/**
 * True when the list `value` (an If-Match or If-None-Match field) holds
 * `etag`: `*` holds anything; `weak` compares ignoring `W/` (If-None-Match),
 * otherwise weak tags never match (If-Match, If-Range). Reading stops at
 * the first malformed element.
 */
export function etagListHas(value: string, etag: string, weak: boolean): boolean {
  if (value.trim() === '*') return true;
  ETAG.lastIndex = 0;
  let m: RegExpExecArray | null;
  let found = false;
  while (ETAG.lastIndex < value.length && (m = ETAG.exec(value)) !== null) {
    if (m[2] === etag && (weak || m[1] === undefined)) found = true;
  }
  return found;
}

/** An HTTP date in whole seconds, or NaN when it is not one. */
export function parseHttpDate(value: string): number {
  // V8 reads the three HTTP date forms; a bare number would be read as a year, so it is refused.
  if (!/[A-Za-z]/.test(value)) return NaN;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? NaN : Math.floor(ms / 1000);
}

/** Request headers by lower-case name (repeated ones joined with commas), as `request.headers`. */
export interface HeaderSource {
  get(name: string): string | undefined;
}

/**
 * Evaluate the preconditions of a request for a representation with
 * `validators`, in the order RFC 9110 §13.2.2 gives: If-Match, else
 * If-Unmodified-Since (412 when false); If-None-Match, else (GET and HEAD
 * only) If-Modified-Since (304 for GET and HEAD when false, 412 otherwise).
 */
export function evaluatePreconditions(method: string, headers: HeaderSource, validators: Validators): Precondition {
  const ifMatch = headers.get('if-match');
  if (ifMatch !== undefined) {
    if (!etagListHas(ifMatch, validators.etag, false)) return 'failed';
  } else {
    const ius = headers.get('if-unmodified-since');
    if (ius !== undefined) {
      const t = parseHttpDate(ius);
      if (!Number.isNaN(t) && validators.lastModified > t) return 'failed';
    }
  }
  const safe = method === 'GET' || method === 'HEAD';
  const ifNoneMatch = headers.get('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (etagListHas(ifNoneMatch, validators.etag, true)) return safe ? 'not-modified' : 'failed';
  } else if (safe) {
    const ims = headers.get('if-modified-since');
    if (ims !== undefined) {
      const t = parseHttpDate(ims);
      if (!Number.isNaN(t) && validators.lastModified <= t) return 'not-modified';
    }
  }
  return 'send';
}

/**
 * True when a Range header may be honoured given `If-Range` (RFC 9110
 * §13.1.5): absent, a strong entity tag equal to the current one, or a date
 * equal to Last-Modified. Otherwise the whole file is sent with a 200.
 */
export function ifRangeHolds(value: string | undefined, validators: Validators): boolean {
  if (value === undefined) return true;
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return v === validators.etag;
  const t = parseHttpDate(v);
  return !Number.isNaN(t) && t === validators.lastModified;
}
