// Resolving a request URL against the session's `baseUrl` without leaving it.
// The session's headers (Authorization) are meant for the base's origin, so,
// as aiohttp (whose `_build_url` accepts only a relative URL there), an
// absolute URL or a network-path reference (`//host/x`) is refused rather than
// sent elsewhere. A backslash is a path character, as yarl reads it: the
// WHATWG parser would turn `/\host/x` into `//host/x`.
import { InvalidURL } from './errors.js';

// What the WHATWG parser drops before it looks at the string: C0 controls
// and spaces at either end, tabs and newlines anywhere. The checks below must
// see what the parser will see.
const EDGES = /^[\x00-\x20]+|[\x00-\x20]+$/g;
const TAB_NEWLINE = /[\t\n\r]/g;
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const BACKSLASH = /\\/g;

/** @internal `ref` resolved against `base`; never another origin. */
export function resolveAgainstBase(ref: string, base: URL): URL {
  let s = ref.replace(EDGES, '').replace(TAB_NEWLINE, '');
  if (SCHEME.test(s)) throw new InvalidURL(ref, `an absolute URL cannot be requested through a session with baseUrl ${base.href} (give a path, or use a session without baseUrl)`);
  const end = s.search(/[?#]/);
  const path = end === -1 ? s : s.slice(0, end);
  if (path.includes('\\')) s = path.replace(BACKSLASH, '%5C') + (end === -1 ? '' : s.slice(end));
  if (s.startsWith('//')) throw new InvalidURL(ref, `a network-path reference (//host) cannot be requested through a session with baseUrl ${base.href} (give a path)`);
  let u: URL;
  try {
    u = new URL(s, base);
  } catch (e) {
    throw new InvalidURL(ref, 'cannot be parsed', { cause: e });
  }
  // Belt and braces: whatever the parser made of it, it stays on the base's origin.
  if (u.origin !== base.origin) throw new InvalidURL(ref, `resolves outside baseUrl ${base.href}`);
  return u;
}
