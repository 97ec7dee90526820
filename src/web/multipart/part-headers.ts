/**
 * A part's headers as busboy parsed them, all of them. busboy's 'file' and
 * 'field' events carry a part's name, filename and bare media type only: the
 * parameters (a nested multipart part's boundary) and every other header are
 * dropped. busboy keeps its header parser in `_hparser` while a part's
 * headers are read, and hands each parsed block to the parser's `cb`; this
 * module puts a hook on that `cb` so the reader sees the block (and may
 * rewrite what busboy acts on) before busboy decides what the part is.
 * Parsing stays busboy's. busboy 1.6.0 is pinned in package-lock.json; the
 * nested-multipart tests fail if its internals move.
 * @module
 */
import type { Busboy } from 'busboy';
import { RequestHeaders } from '../headers.js';

/** A block of part headers as busboy's parser holds it: lower-case names, each with its values in order. */
export type RawPartHeaders = Readonly<Record<string, readonly string[]>>;

/** Sees each part's headers and returns those busboy should act on. */
export type PartHeaderHook = (header: RawPartHeaders) => RawPartHeaders;

interface HeaderParser {
  cb: (header: RawPartHeaders) => void;
}

/**
 * @internal Call `hook` with each part's headers, as busboy parses them.
 * False when this busboy does not have the internals relied on (the reader
 * then rebuilds headers from the event's fields and reads no nested parts).
 */
export function hookPartHeaders(bb: Busboy, hook: PartHeaderHook): boolean {
  if (!Object.hasOwn(bb, '_hparser') || (bb as unknown as { _hparser: unknown })._hparser !== null) return false;
  let current: HeaderParser | null = null;
  let hooked = false;
  Object.defineProperty(bb, '_hparser', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (p: HeaderParser | null) => {
      // busboy sets the same parser at the start of every part: wrap it once.
      if (p !== null && !hooked && typeof p.cb === 'function') {
        hooked = true;
        const cb = p.cb;
        p.cb = (header) => cb.call(p, hook(header));
      }
      current = p;
    },
  });
  return true;
}

/** @internal `RequestHeaders` over a parsed block (names lower case, as busboy leaves them). */
export function toRequestHeaders(header: RawPartHeaders): RequestHeaders {
  const dict: NodeJS.Dict<string> = {};
  const raw: string[] = [];
  for (const name of Object.keys(header)) {
    const values = header[name] as readonly string[];
    dict[name] = values.join(', ');
    for (const v of values) raw.push(name, v);
  }
  return new RequestHeaders(dict, raw);
}
