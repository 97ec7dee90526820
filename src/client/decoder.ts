// Content-Encoding of a response body, decoded with node:zlib as aiohttp
// decodes it: gzip (and x-gzip), deflate (with or without the zlib header:
// servers that send raw deflate are common, browsers accept them) and br.
// The decoder is made on the first body byte, so a body-less response
// labelled gzip (HEAD, 204, 304, Content-Length: 0) is simply empty.
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';

/** @internal The encodings aiots decodes, lower-case. */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

const CODINGS = new Map<string, ContentCoding>([['gzip', 'gzip'], ['x-gzip', 'gzip'], ['deflate', 'deflate'], ['br', 'br']]);

/** @internal The coding named by a `Content-Encoding` value, or undefined (identity, unknown, or several). */
export function contentCoding(header: string): ContentCoding | undefined {
  return CODINGS.get(header.trim().toLowerCase());
}

/** @internal Who receives what a decoder produces; `d` tells a current decoder from one already dropped. */
export interface DecoderSink {
  _decodedData(d: Transform, chunk: Buffer): void;
  _decodedEnd(d: Transform): void;
  _decoderError(d: Transform, err: Error): void;
  _decoderDrained(d: Transform): void;
}

/**
 * @internal A decoder for `coding`, given the first byte of the body. A zlib
 * stream's first byte has 8 (deflate) in its low nibble; anything else sent
 * as `deflate` is taken as raw deflate, the test aiohttp and browsers use.
 */
export function makeDecoder(coding: ContentCoding, firstByte: number, sink: DecoderSink): Transform {
  const d = coding === 'gzip' ? createGunzip()
    : coding === 'br' ? createBrotliDecompress()
      : (firstByte & 0x0f) === 8 ? createInflate() : createInflateRaw();
  d.on('data', (c: Buffer) => sink._decodedData(d, c));
  d.on('end', () => sink._decodedEnd(d));
  d.on('error', (e: Error) => sink._decoderError(d, e));
  d.on('drain', () => sink._decoderDrained(d));
  return d;
}
