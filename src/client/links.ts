// The `Link` header (RFC 8288) as aiohttp's `ClientResponse.links` reads it:
// links split at each `, <`, parameters `; key=value` (quoted or not), keyed
// by `rel` or by the URL; a malformed link or parameter is skipped.

/** One link of a `Link` header. */
export interface Link {
  /** The target, resolved against the response URL. */
  readonly url: URL;
  /** The `rel` parameter, or null. */
  readonly rel: string | null;
  /** Every parameter (`rel`, `title`, `type`, ...), as written. */
  readonly params: Readonly<Record<string, string>>;
}

const LINK = /^\s*<(.*)>(.*)$/s;
const PARAM = /^\s*(\S*)\s*=\s*(['"]?)(.*?)\2\s*$/s;

/** @internal */
export function parseLinks(values: readonly string[], base: URL): Readonly<Record<string, Link>> {
  const out = Object.create(null) as Record<string, Link>;
  for (const val of values.join(', ').split(/,(?=\s*<)/)) {
    const m = LINK.exec(val);
    if (m === null) continue;
    const target = m[1] as string;
    const params = Object.create(null) as Record<string, string>;
    for (const param of (m[2] as string).split(';').slice(1)) {
      const p = PARAM.exec(param);
      if (p === null) continue;
      const key = p[1] as string;
      if (!(key in params)) params[key] = p[3] as string;
    }
    let url: URL;
    try {
      url = new URL(target, base);
    } catch {
      continue;
    }
    const rel = params.rel ?? null;
    const key = rel ?? target;
    // As a MultiDict read by key: the first link of a rel wins.
    if (!(key in out)) out[key] = Object.freeze({ url, rel, params: Object.freeze(params) });
  }
  return Object.freeze(out);
}
