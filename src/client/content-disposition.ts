// `Content-Disposition` (RFC 6266) as aiohttp's `ClientResponse.content_disposition`:
// the type, the parameters (names lower-case), and the file name, taken from
// `filename*` (RFC 5987: charset'lang'percent-encoded) before `filename`.

/** A parsed `Content-Disposition` header. */
export interface ContentDisposition {
  /** `attachment`, `inline`, ... (lower-case), or null when the header is malformed. */
  readonly type: string | null;
  /** The parameters, names lower-case, `filename*` decoded. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The file name, or null. */
  readonly filename: string | null;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const EXT_VALUE = /^([A-Za-z0-9!#$%&+\-^_`{}~]+)'[A-Za-z0-9-]*'(.*)$/;
const MALFORMED: ContentDisposition = Object.freeze({ type: null, parameters: Object.freeze({}), filename: null });

/** @internal */
export function parseContentDisposition(header: string): ContentDisposition {
  const parts = splitParams(header);
  if (parts === null) return MALFORMED;
  const type = (parts[0] as string).trim();
  if (!TOKEN.test(type)) return MALFORMED;
  const params = Object.create(null) as Record<string, string>;
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq === -1) return MALFORMED;
    const key = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (!TOKEN.test(key) || key in params) return MALFORMED;
    if (value.startsWith('"')) {
      if (value.length < 2 || !value.endsWith('"')) return MALFORMED;
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    } else if (key.endsWith('*')) {
      const m = EXT_VALUE.exec(value);
      const decoded = m === null ? null : decodeExt(m[1] as string, m[2] as string);
      if (decoded === null) return MALFORMED;
      value = decoded;
    } else if (!TOKEN.test(value)) {
      return MALFORMED;
    }
    params[key] = value;
  }
  const filename = params['filename*'] ?? params.filename ?? null;
  return Object.freeze({ type: type.toLowerCase(), parameters: Object.freeze(params), filename });
}

// Split at `;` outside quoted strings; null when a quote is left open.
function splitParams(header: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i] as string;
    if (quoted && c === '\\' && i + 1 < header.length) {
      cur += c + (header[++i] as string);
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (quoted) return null;
  out.push(cur);
  while (out.length > 1 && (out[out.length - 1] as string).trim() === '') out.pop();
  return out;
}

function decodeExt(charset: string, pct: string): string | null {
  const cs = charset.toLowerCase();
  if (cs !== 'utf-8' && cs !== 'iso-8859-1') return null;
  const bytes: number[] = [];
  for (let i = 0; i < pct.length; i++) {
    const c = pct.charCodeAt(i);
    if (c === 0x25) {
      const hex = pct.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  try {
    return new TextDecoder(cs === 'utf-8' ? 'utf-8' : 'latin1', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}
