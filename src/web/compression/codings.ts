/**
 * The content codings aiots can send, on `node:zlib`: br, zstd (where the
 * running Node has it), gzip and deflate.
 * @module
 */
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';

/** A content coding for `enableCompression()` (aiohttp's `ContentCoding`). */
export type ContentCoding = 'br' | 'zstd' | 'gzip' | 'deflate' | 'identity';

/** A content coding that compresses. */
export type CompressingCoding = Exclude<ContentCoding, 'identity'>;

// Node 22.15+ / 23.8+ only; typed loosely so that Node 20's types compile too.
type ZstdApi = {
  createZstdCompress?: (options?: object) => Transform;
  zstdCompressSync?: (buf: Uint8Array) => Buffer;
  zstdCompress?: (buf: Uint8Array, cb: (err: Error | null, out: Buffer) => void) => void;
};
const zstd = zlib as unknown as ZstdApi;

/** @internal True when this Node's zlib has zstd. */
export const HAS_ZSTD = typeof zstd.createZstdCompress === 'function';

/** The codings this Node can send, best first (the tie-break when a client weighs them equally). */
export const AVAILABLE_CODINGS: readonly CompressingCoding[] = HAS_ZSTD ? ['br', 'zstd', 'gzip', 'deflate'] : ['br', 'gzip', 'deflate'];

// Brotli's default quality (11) is for static files: at 4 it is about as fast
// as gzip's default and still smaller (the quality @fastify/compress uses).
const BROTLI_QUALITY = 4;

function brotliOptions(size: number | null): zlib.BrotliOptions {
  const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY };
  if (size !== null) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = size;
  return { params };
}

/** @internal True when `name` is a coding this Node can send. */
export function isAvailable(name: string): name is CompressingCoding {
  return (AVAILABLE_CODINGS as readonly string[]).includes(name);
}

/** @internal A streaming compressor for `coding`. */
export function createCompressor(coding: CompressingCoding, size: number | null): Transform {
  switch (coding) {
    case 'br': return zlib.createBrotliCompress(brotliOptions(size));
    case 'gzip': return zlib.createGzip();
    case 'deflate': return zlib.createDeflate();
    case 'zstd': return (zstd.createZstdCompress as NonNullable<ZstdApi['createZstdCompress']>)();
  }
}

/** @internal Compress a whole body on the loop's thread (small bodies: a threadpool hop costs more). */
export function compressSync(coding: CompressingCoding, body: Uint8Array): Buffer {
  switch (coding) {
    case 'br': return zlib.brotliCompressSync(body, brotliOptions(body.length));
    case 'gzip': return zlib.gzipSync(body);
    case 'deflate': return zlib.deflateSync(body);
    case 'zstd': return (zstd.zstdCompressSync as NonNullable<ZstdApi['zstdCompressSync']>)(body);
  }
}

/** @internal Compress a whole body on libuv's threadpool, so the loop goes on serving. */
export function compressAsync(coding: CompressingCoding, body: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer): void => {
      if (err === null) resolve(out);
      else reject(err);
    };
    switch (coding) {
      case 'br': zlib.brotliCompress(body, brotliOptions(body.length), done); break;
      case 'gzip': zlib.gzip(body, done); break;
      case 'deflate': zlib.deflate(body, done); break;
      case 'zstd': (zstd.zstdCompress as NonNullable<ZstdApi['zstdCompress']>)(body, done); break;
    }
  });
}
