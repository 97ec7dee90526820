// A cookie given as name → value (per-request `cookies`, or the record form of
// `CookieJar.updateCookies`) is one cookie, whatever its value holds. As
// aiohttp (Python's http.cookies): a value made only of the legal characters
// goes as it is; any other is double-quoted, with `"` and `\` escaped by a
// backslash and every other character that could end or split it (`;`, `,`,
// space, bytes past 0x7e) written as a `\ooo` octal escape, which Python's
// cookie parser (and so an aiohttp server) reads back to the same value.
// Python leaves spaces bare inside the quotes; aiots escapes them too, so the
// result is a strict RFC 6265 cookie-value (the `cookie` package checks that).
import { stringifyCookie } from 'cookie';
import { describe } from '../core/validate.js';
import { InvalidHeaderError } from './errors.js';

// Python's http.cookies `_LegalChars`: the characters a cookie name is made
// of, and those a value may hold without quotes.
const LEGAL = /^[A-Za-z0-9!#$%&'*+\-.^_`|~:]*$/;
const NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~:]+$/;
// Refused rather than quoted, as every header value is (request-options.ts).
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const BEYOND_LATIN1 = /[^\x00-\xff]/;
// Kept as they are inside the quotes (Python's `_UnescapedChars` minus the space).
const UNESCAPED = /[A-Za-z0-9!#$%&'*+\-.^_`|~:()/<=>?@[\]{}]/;

function quote(value: string): string {
  if (LEGAL.test(value)) return value;
  let out = '"';
  for (const ch of value) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (UNESCAPED.test(ch)) out += ch;
    else out += `\\${(ch.codePointAt(0) as number).toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/**
 * @internal `name=value` for a `Cookie` header or a Set-Cookie line without
 * attributes: the value quoted if it must be, a name that is not a token or a
 * value with control characters refused.
 */
export function cookiePair(where: string, name: string, value: unknown): string {
  if (!NAME.test(name)) throw new InvalidHeaderError(`${where}: cookie name ${JSON.stringify(name)} is not a token (letters, digits and !#$%&'*+-.^_\`|~:)`);
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') throw new TypeError(`${where}: cookie ${JSON.stringify(name)} must be a string, got ${describe(value)}`);
  if (CONTROL.test(value)) throw new InvalidHeaderError(`${where}: cookie ${JSON.stringify(name)} contains a control character (refused: header injection)`);
  if (BEYOND_LATIN1.test(value)) throw new InvalidHeaderError(`${where}: cookie ${JSON.stringify(name)} contains a character beyond U+00FF (encode it first)`);
  return stringifyCookie({ [name]: value }, { encode: quote });
}

/** @internal A value as `cookiePair` quoted it (or a server did), read back; others as they are. */
export function unquoteCookieValue(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(?:([0-3][0-7]{2})|(.))/g, (_m, oct: string | undefined, ch: string | undefined) => (oct !== undefined ? String.fromCharCode(parseInt(oct, 8)) : (ch as string)));
}
