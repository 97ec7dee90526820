// Following a redirect, as aiohttp and browsers do: 303 (and 301/302 after a
// POST) turn into a GET without body; 307/308 keep the method and body;
// credentials are not carried to another origin; https → http only if allowed.
import { ClientPayloadError, InsecureRedirectClientError, InvalidUrlRedirectClientError, NonHttpUrlRedirectClientError } from './errors.js';

/** @internal */
export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** @internal The next hop (null when there is no Location to follow). */
export interface NextHop {
  readonly url: URL;
  readonly method: string;
  readonly dropBody: boolean;
  readonly crossOrigin: boolean;
}

/** @internal */
export function nextHop(status: number, method: string, from: URL, location: string | undefined, replayable: boolean, allowInsecure: boolean): NextHop | null {
  if (location === undefined) return null;
  let url: URL;
  try {
    url = new URL(location, from);
  } catch (e) {
    throw new InvalidUrlRedirectClientError(location, 'Server attempted redirecting to a location that is not a valid URL', { cause: e });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NonHttpUrlRedirectClientError(url.href, `Server attempted redirecting to a non-http(s) location (${url.protocol})`);
  }
  if (from.protocol === 'https:' && url.protocol === 'http:' && !allowInsecure) {
    throw new InsecureRedirectClientError(`Redirect from ${from.href} to ${url.href} downgrades https to http (set allowInsecureRedirects to follow it)`);
  }
  if (url.hash === '' && from.hash !== '') url.hash = from.hash;
  const toGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  // As aiohttp: fail loudly rather than resend a streamed body that is gone, or hand back a 3xx the caller asked to follow.
  if (!toGet && !replayable) {
    throw new ClientPayloadError(`Cannot follow the ${status} redirect to ${url.href}: the request body was streamed and cannot be sent twice (send a string or bytes, or set allowRedirects: false)`);
  }
  return { url, method: toGet ? 'GET' : method, dropBody: toGet, crossOrigin: url.origin !== from.origin };
}
