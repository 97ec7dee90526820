/**
 * Whether and how to compress one response: the exclusions (a body already
 * encoded, a range, `no-transform`, bodiless answers, incompressible types,
 * small bodies), `Vary: Accept-Encoding`, then the client's `Accept-Encoding`
 * weighed by q-values.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { CIMultiDict } from '../headers.js';
import type { CompressingCoding } from './codings.js';

/** @internal What `enableCompression()` or the middleware asked for. */
export interface CompressionConfig {
  /** The coding to use whatever the client says (aiohttp's `force`), or null to negotiate. */
  readonly force: CompressingCoding | null;
  /** The codings offered, best first. */
  readonly encodings: readonly CompressingCoding[];
  /** Bodies with a known length under this many bytes go as they are. */
  readonly threshold: number;
  /** Compress only types known to compress (the middleware; an explicit `enableCompression()` trusts its caller). */
  readonly checkType: boolean;
}

// Types worth compressing; everything else (images, audio, video, archives,
// fonts in woff/woff2, octet-stream) is already compressed or unknown.
const COMPRESSIBLE = new Set([
  'application/json', 'application/javascript', 'application/x-javascript', 'application/ecmascript',
  'application/xml', 'application/x-ndjson', 'application/x-www-form-urlencoded', 'application/graphql',
  'application/wasm', 'application/rtf', 'application/x-sh', 'application/vnd.ms-fontobject',
  'font/ttf', 'font/otf', 'image/bmp', 'image/x-icon', 'image/vnd.microsoft.icon',
]);
const typeCache = new Map<string, boolean>();

/** @internal True for types that compress well (`text/*` but event streams, `+json`, `+xml`, a short list). */
export function isCompressible(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  let known = typeCache.get(contentType);
  if (known === undefined) {
    const semi = contentType.indexOf(';');
    const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
    // Server-sent events must reach the client event by event, not when a compressor's block fills.
    known = type === 'text/event-stream' ? false : type.startsWith('text/') || type.endsWith('+json') || type.endsWith('+xml') || type.endsWith('+text') || COMPRESSIBLE.has(type);
    if (typeCache.size >= 256) typeCache.clear();
    typeCache.set(contentType, known);
  }
  return known;
}

/**
 * @internal The coding the client prefers among `offered` (ties go to the
 * earlier in `offered`), or null. No header means no compression, as in
 * aiohttp; `q=0` refuses a coding, `*` weighs the ones not named.
 */
export function pickCoding(acceptEncoding: string | undefined, offered: readonly CompressingCoding[]): CompressingCoding | null {
  if (acceptEncoding === undefined || acceptEncoding === '') return null;
  const weights = new Map<string, number>();
  for (const item of acceptEncoding.split(',')) {
    const parts = item.split(';');
    const name = (parts[0] as string).trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const p = (parts[i] as string).trim();
      if (p.length > 2 && (p.charCodeAt(0) | 0x20) === 0x71 && p.charCodeAt(1) === 0x3d) {
        const v = Number(p.slice(2));
        q = Number.isFinite(v) && v >= 0 && v <= 1 ? v : 0;
      }
    }
    // "x-gzip" is gzip (RFC 9110 §8.4.1.3).
    weights.set(name === 'x-gzip' ? 'gzip' : name, q);
  }
  const star = weights.get('*') ?? 0;
  let best: CompressingCoding | null = null;
  let bestQ = 0;
  for (const coding of offered) {
    const q = weights.get(coding) ?? star;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}

/** @internal Add `Accept-Encoding` to `Vary` unless it is there already (or `Vary: *`). */
export function addVary(headers: CIMultiDict): void {
  const values = headers.getAll('vary');
  if (values.length === 0) {
    headers.set('Vary', 'Accept-Encoding');
    return;
  }
  for (const value of values) {
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t === '*' || t === 'accept-encoding') return;
    }
  }
  headers.set('Vary', `${values.join(', ')}, Accept-Encoding`);
}

function noTransform(headers: CIMultiDict): boolean {
  for (const value of headers.getAll('cache-control')) if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(value)) return true;
  return false;
}

/**
 * @internal The coding to send this response with, or null to send it as it
 * is. Sets `Vary: Accept-Encoding` when the answer depended on the client's
 * header. `length` is the body's size when known.
 */
export function decide(res: ServerResponse, status: number, headers: CIMultiDict, contentType: string | undefined, length: number | null, config: CompressionConfig): CompressingCoding | null {
  if (status < 200 || status === 204 || status === 304 || status === 206 || res.req.method === 'HEAD') return null;
  if (headers.has('content-encoding') || headers.has('content-range') || noTransform(headers)) return null;
  if (config.checkType && !isCompressible(contentType)) return null;
  if (length !== null && (length === 0 || length < config.threshold)) return null;
  if (config.force !== null) return config.force;
  addVary(headers);
  return pickCoding(res.req.headers['accept-encoding'], config.encodings);
}
