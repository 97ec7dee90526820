// jsfuzz target: the percent-decoding of request paths and route literals,
// and the quoting urlFor uses. Nothing may throw but the documented
// SyntaxError, and what is quoted must decode back to what it was.
import { literalMatchForm, matchPathOf, quoteLiteral, quoteValue } from '../../../src/web/router/path-encoding.js';
import { unescapeSafe } from '../../../src/web/router/resources.js';

export function fuzz(buf: Buffer): void {
  checkDecoding(buf.toString('latin1'));
  checkDecoding(buf.toString('utf8'));
}

export function checkDecoding(s: string): void {
  const m = matchPathOf(s);
  if (m !== null) {
    if (m.includes('\0')) throw new Error(`matchPathOf kept a NUL from ${JSON.stringify(s)}`);
    // Decoding never adds a segment: the slashes are the raw path's own.
    if (m.split('/').length !== s.split('/').length) throw new Error(`matchPathOf changed the segments of ${JSON.stringify(s)}: ${JSON.stringify(m)}`);
  }
  let lit: string | null = null;
  try {
    lit = literalMatchForm('fuzz', s);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  if (lit !== null && !s.includes('%') && lit !== s) throw new Error(`literalMatchForm changed a literal without escapes: ${JSON.stringify(s)}`);
  if (/[\uD800-\uDFFF]/.test(s)) return; // lone surrogates cannot be UTF-8 encoded
  for (const slashes of [false, true]) {
    const q = quoteValue(s, slashes);
    if (/[^\x21-\x7E]/.test(q)) throw new Error(`quoteValue left a byte that is not URL-safe: ${JSON.stringify(q)}`);
    const back = matchPathOf(q);
    if (s.includes('\0')) {
      if (back !== null) throw new Error(`a quoted NUL was accepted: ${JSON.stringify(q)}`);
      continue;
    }
    if (back === null) throw new Error(`quoteValue(${JSON.stringify(s)}) = ${JSON.stringify(q)} does not decode`);
    if (unescapeSafe(back) !== s) throw new Error(`quoteValue/matchPathOf round trip: ${JSON.stringify(s)} → ${JSON.stringify(q)} → ${JSON.stringify(back)}`);
  }
  if (lit !== null && !lit.includes('\0')) {
    const ql = quoteLiteral(lit);
    const back = matchPathOf(ql);
    if (back !== lit) throw new Error(`quoteLiteral/matchPathOf round trip: ${JSON.stringify(lit)} → ${JSON.stringify(ql)} → ${JSON.stringify(back)}`);
  }
}
