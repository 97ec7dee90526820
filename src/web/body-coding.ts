// Content-Encoding of a request body, decoded with node:zlib: gzip (and
// x-gzip), deflate (with or without the zlib header, as aiohttp accepts),
// br, and zstd where the running Node has it (22.15+ / 23.8+).
import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { HTTPUnsupportedMediaType } from './exceptions.js';

/** @internal The codings the server decodes. */
export type RequestCoding = 'gzip' | 'deflate' | 'br' | 'zstd';

// Node 20's typings lack zstd; look it up at run time.
const createZstd = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;

const CODINGS = new Map<string, RequestCoding>([['gzip', 'gzip'], ['x-gzip', 'gzip'], ['deflate', 'deflate'], ['br', 'br']]);
if (createZstd !== undefined) CODINGS.set('zstd', 'zstd');

/**
 * @internal The coding a `Content-Encoding` value names: undefined for none or
 * identity. Anything else is refused (415) rather than handed on still
 * encoded, where aiohttp passes an unknown coding through as it came.
 */
export function requestCoding(header: string | undefined): RequestCoding | undefined {
  if (header === undefined) return undefined;
  const v = header.trim().toLowerCase();
  if (v === '' || v === 'identity') return undefined;
  const c = CODINGS.get(v);
  if (c !== undefined) return c;
  const known = [...CODINGS.keys()].join(', ');
  const why = v.includes(',') ? 'several codings in one body are not decoded' : `the server decodes ${known}`;
  throw new HTTPUnsupportedMediaType({ text: `Unsupported Content-Encoding ${JSON.stringify(header.trim())}: ${why}` });
}

/**
 * @internal A decoder for `coding`, given the body's first byte: a zlib
 * stream has 8 (deflate) in its first byte's low nibble; anything else sent as
 * `deflate` is raw deflate (the test aiohttp and browsers use).
 */
export function makeRequestDecoder(coding: RequestCoding, firstByte: number): Transform {
  switch (coding) {
    case 'gzip': return zlib.createGunzip();
    case 'br': return zlib.createBrotliDecompress();
    case 'zstd': return (createZstd as () => Transform)();
    case 'deflate': return (firstByte & 0x0f) === 8 ? zlib.createInflate() : zlib.createInflateRaw();
  }
}
