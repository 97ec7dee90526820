/**
 * The two forms of a path the router deals in. The *matched form* is what
 * resources are compared with: percent-decoded, except `%2F` and `%25`,
 * which stay escaped so that decoding cannot add a segment (aiohttp's
 * `path_safe`). The *URL form* is what `urlFor` writes: escaped as yarl
 * escapes a path, so URLs read the same as aiohttp's.
 * @module
 */

const BAD_PCT = /%(?![0-9A-Fa-f]{2})/;
const STRAY_PCT = /%(?![0-9A-Fa-f]{2})/g;
const PCT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
// yarl's path quoter leaves sub-delimiters, ':' and '@' alone; encodeURIComponent escapes these.
const KEPT = /%(?:24|26|2B|2C|3A|3B|3D|40)/g;
const KEPT_OR_SLASH = /%(?:24|26|2B|2C|2F|3A|3B|3D|40)/g;
// What encodeURI leaves that a path must escape, and '%' itself (the literal's escapes are already matched form).
const LITERAL_UNSAFE = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu;

function decodeRun(run: string): string {
  // %2F and %25 stay escaped so that decoding cannot change the segments.
  let out = '';
  let start = 0;
  for (let i = 0; i < run.length; i += 3) {
    const b = run.slice(i + 1, i + 3).toUpperCase();
    if (b === '2F' || b === '25') {
      out += decodeURIComponent(run.slice(start, i)) + '%' + b;
      start = i + 3;
    }
  }
  return out + decodeURIComponent(run.slice(start));
}

/** @internal The path the router matches on, or null when the encoding is bad or hides a NUL. */
export function matchPathOf(rawPath: string): string | null {
  if (BAD_PCT.test(rawPath)) return null;
  let s: string;
  try {
    s = rawPath.replace(PCT_RUN, decodeRun);
  } catch {
    return null;
  }
  return s.includes('\0') ? null : s;
}

/**
 * @internal The matched form of the literal text of a route (`/caf%C3%A9`
 * means `/café`, `%2F` an escaped slash, as aiohttp takes them). A `%` that
 * starts no escape is a percent sign. Throws on an escape that is not UTF-8.
 */
export function literalMatchForm(where: string, literal: string): string {
  if (!literal.includes('%')) return literal;
  const m = matchPathOf(literal.replace(STRAY_PCT, '%25'));
  if (m === null) throw new SyntaxError(`${where}: bad percent-encoding in path ${JSON.stringify(literal)}`);
  return m;
}

/** @internal A matched-form literal in URL form: what is not URL-safe escaped, the `%2F`/`%25` it holds kept. */
export function quoteLiteral(literal: string): string {
  return literal.replace(LITERAL_UNSAFE, encodeURIComponent);
}

/**
 * @internal A parameter value in URL form, escaped as yarl's path quoter
 * does (`%` → `%25`, space → `%20`, UTF-8 for the rest), except that `/` is
 * escaped too unless the parameter's regex takes slashes.
 */
export function quoteValue(value: string, slashes: boolean): string {
  const enc = encodeURIComponent(value);
  return enc.includes('%') ? enc.replace(slashes ? KEPT_OR_SLASH : KEPT, decodeURIComponent) : enc;
}
