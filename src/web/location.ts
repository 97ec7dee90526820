/**
 * The `Location` a redirect sends, percent-encoded as yarl's `str(URL(...))`
 * does in aiohttp: what a URL may not hold as is (non-ASCII, controls,
 * spaces, backslashes, `<>"^{|}` and backquotes) is sent as `%XX` of its
 * UTF-8 bytes. Node refuses most of these characters in a header, and a
 * browser reads a `\` as `/`, so `/\evil.com` would leave the site.
 * @module
 */

// RFC 3986 unreserved, sub-delims, `:@/?#[]`, and `%` kept for escapes already there.
const KEEP = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?#[\]%]*$/;
const HEX = /^[0-9A-Fa-f]{2}$/;

/** @internal `location` with every character a URL may not carry percent-encoded; escapes already there are kept. */
export function encodeLocation(location: string): string {
  if (KEEP.test(location) && !hasBadPercent(location)) return location;
  let out = '';
  for (const ch of location) {
    if (ch === '%') {
      out += '%';
      continue;
    }
    if (KEEP.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;
  }
  // A `%` that starts no escape is a literal percent sign.
  return out.replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
}

function hasBadPercent(s: string): boolean {
  for (let i = s.indexOf('%'); i !== -1; i = s.indexOf('%', i + 1)) if (!HEX.test(s.slice(i + 1, i + 3))) return true;
  return false;
}

/**
 * @internal True when a browser resolving `location` against this site stays
 * on it: a path (one `/`, then not `/` or `\`), a query, or a fragment.
 */
export function isSameOrigin(location: string): boolean {
  const c = location.charCodeAt(0);
  if (c === 63 || c === 35) return true;
  if (c !== 47) return false;
  const d = location.charCodeAt(1);
  return d !== 47 && d !== 92;
}
