// The separators StreamReader.readuntil() accepts, checked and made Buffers once per call.
import { describe } from '../validate.js';

/** @internal */
export function toSeparators(separator: unknown): Buffer[] {
  const list = Array.isArray(separator) ? (separator as unknown[]) : [separator];
  if (list.length === 0) throw new RangeError('readuntil(): the list of separators is empty');
  return list.map((s) => {
    let b: Buffer;
    if (typeof s === 'string') b = Buffer.from(s);
    else if (s instanceof Uint8Array) b = Buffer.isBuffer(s) ? s : Buffer.from(s);
    else throw new TypeError(`readuntil(): separator must be a Buffer, Uint8Array or string, got ${describe(s)}`);
    if (b.length === 0) throw new RangeError('readuntil(): a separator must be at least one byte');
    return b;
  });
}

export function minLength(seps: Buffer[]): number {
  let m = Infinity;
  for (const s of seps) m = Math.min(m, s.length);
  return m;
}
