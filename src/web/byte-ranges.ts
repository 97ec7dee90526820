/**
 * The `Range` header of a request for a file (RFC 9110 §14.1.2, §14.2),
 * resolved against the file's size into the byte ranges to send.
 *
 * What a hostile header gets: the work is linear in the header (which Node
 * caps at 16 KiB) plus a sort of at most {@link MAX_RANGES} ranges, and the
 * response is never larger than the file plus the multipart framing of at
 * most that many parts. Overlapping ranges, and ranges a few bytes apart,
 * are merged (RFC 9110 §14.2 allows it; Apache does the same since
 * CVE-2011-3192), so `bytes=0-,0-,0-...` costs one copy of the file.
 * @module
 */

/** A byte range to send: `start` to `end`, both inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * More range-specs than this and the header is ignored (a 200 with the whole
 * file, as Apache's MaxRanges): no client needs them, and each part costs a
 * read and its framing.
 */
export const MAX_RANGES = 100;

/**
 * Ranges closer than this are merged: a multipart part's framing is about
 * this long, so sending the gap costs no more than a separate part.
 */
const MERGE_GAP = 80;

/** `bytes=` then a list; ows around commas as RFC 9110 §5.6.1 lets senders add. */
const SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

/**
 * What to send for `header` against a file of `size` bytes:
 * - `null`: ignore the header and send the whole file (no header, no
 *   unit, another unit, or too many ranges);
 * - `'unsatisfiable'`: a 416 (bad syntax, a reversed range, or no range
 *   that starts inside the file — aiohttp and RFC 9110 §14.2 agree);
 * - the ranges to send, sorted and merged (one range: a plain 206).
 */
export function parseRange(header: string | undefined, size: number): ByteRange[] | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const eq = header.indexOf('=');
  if (eq === -1) return null;
  // Units are case-insensitive (RFC 9110 §14.1); an unknown one is ignored.
  if (header.slice(0, eq).trim().toLowerCase() !== 'bytes') return null;
  const specs = header.slice(eq + 1).split(',');
  if (specs.length > MAX_RANGES) return null;
  const ranges: ByteRange[] = [];
  let empty = 0;
  for (const spec of specs) {
    if (spec.trim() === '') {
      // Empty list elements are allowed (RFC 9110 §5.6.1) but a list of only those is not.
      empty++;
      continue;
    }
    const m = SPEC.exec(spec);
    if (m === null) return 'unsatisfiable';
    const first = m[1] as string;
    const last = m[2] as string;
    if (first === '') {
      // A suffix: the last N bytes.
      if (last === '') return 'unsatisfiable';
      const n = Number(last);
      if (n === 0 || size === 0) continue;
      ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? Infinity : Number(last);
    if (end < start) return 'unsatisfiable';
    if (start >= size) continue;
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (empty === specs.length) return 'unsatisfiable';
  if (ranges.length === 0) return 'unsatisfiable';
  return merge(ranges);
}

function merge(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  ranges.sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  let cur = ranges[0] as ByteRange;
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i] as ByteRange;
    if (r.start <= cur.end + 1 + MERGE_GAP) {
      if (r.end > cur.end) cur = { start: cur.start, end: r.end };
    } else {
      out.push(cur);
      cur = r;
    }
  }
  out.push(cur);
  return out;
}
