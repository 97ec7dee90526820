/**
 * The framing headers a user may pass (`Content-Length`, `Transfer-Encoding`,
 * typical when relaying an upstream response), checked against the body
 * aiots is about to send: a message framed two ways, or with a length its
 * body does not have, is refused by clients and desynchronizes proxies.
 * @module
 */
import type { CIMultiDict } from './headers.js';

const DIGITS = /^\d+$/;

/** @internal True when `headers` holds a Content-Length or a Transfer-Encoding. */
export function hasFraming(headers: CIMultiDict): boolean {
  return headers._framing && (headers.has('content-length') || headers.has('transfer-encoding'));
}

/**
 * @internal The length the Content-Length header declares, or -1 without
 * one. Repeated identical values count as one (RFC 9110 §8.6); anything
 * else is a TypeError naming `where`.
 */
export function declaredLength(where: string, headers: CIMultiDict): number {
  const values = headers.getAll('content-length');
  let n = -1;
  for (const value of values) {
    for (const part of value.split(',')) {
      const s = part.trim();
      if (!DIGITS.test(s)) throw new TypeError(`${where}: Content-Length ${JSON.stringify(value)} is not a number of bytes`);
      const x = Number(s);
      if (n !== -1 && x !== n) throw new TypeError(`${where}: Content-Length has different values (${values.join(', ')})`);
      n = x;
    }
  }
  return n;
}

/** @internal The transfer codings listed, lower case, in order (empty without the header). */
export function transferCodings(headers: CIMultiDict): string[] {
  const out: string[] = [];
  for (const value of headers.getAll('transfer-encoding')) for (const part of value.split(',')) out.push(part.trim().toLowerCase());
  return out;
}

/**
 * @internal For a body sent whole with its length (`Response`, an
 * `HTTPException`'s text): a `Transfer-Encoding: chunked` from the user is
 * dropped later (the length frames the body), any other coding refused; a
 * Content-Length must be the body's. `length` is null when the body is
 * empty, since a HEAD or 304 answer may then declare the length of what a
 * GET would get: that case is decided when the request is known.
 */
export function checkWholeBody(where: string, headers: CIMultiDict, length: number | null): void {
  const codings = transferCodings(headers);
  if (codings.length > 0 && !(codings.length === 1 && codings[0] === 'chunked')) {
    throw new TypeError(`${where}: Transfer-Encoding ${JSON.stringify(headers.getAll('transfer-encoding').join(', '))} cannot be sent: the body is sent whole, framed by its Content-Length; decode it first, or send it with a StreamResponse`);
  }
  const declared = declaredLength(where, headers);
  if (declared !== -1 && length !== null && declared !== length) {
    throw new RangeError(`${where}: the Content-Length header says ${declared} bytes but the body is ${length} bytes; drop the header (aiots sets it) or send the body it describes`);
  }
}

/**
 * @internal For a body written in pieces (`StreamResponse`): either a
 * Content-Length, which Node then enforces on every write, or a
 * Transfer-Encoding ending in chunked, never both. Returns the declared
 * length, or -1.
 */
export function checkStreamed(where: string, headers: CIMultiDict): number {
  const codings = transferCodings(headers);
  const declared = declaredLength(where, headers);
  if (codings.length > 0) {
    if (declared !== -1) throw new TypeError(`${where}: Content-Length and Transfer-Encoding cannot both be sent (a proxy could frame the body either way); keep one`);
    if (codings[codings.length - 1] !== 'chunked') {
      throw new TypeError(`${where}: Transfer-Encoding ${JSON.stringify(headers.getAll('transfer-encoding').join(', '))} must end with chunked, or the end of the body could not be told`);
    }
  }
  return declared;
}
