/**
 * App-wide response compression, as `@fastify/compress` does it: every
 * response of a compressible type, at least `threshold` bytes long, goes out
 * in the best coding the client accepts.
 * @module
 */
import { checkOptions, knownOptions } from '../../core/options.js';
import { describe } from '../../core/validate.js';
import { StreamResponse } from '../response.js';
import type { Middleware } from '../types.js';
import { AVAILABLE_CODINGS, HAS_ZSTD, isAvailable, type CompressingCoding } from './codings.js';
import type { CompressionConfig } from './negotiate.js';
import { setCompressionOf } from './scope.js';

const OPTIONS = knownOptions('threshold', 'encodings');

/** Options of {@link compressionMiddleware}. */
export interface CompressionOptions {
  /** Bodies shorter than this many bytes go as they are (a streamed body of unknown length is compressed). @default 1024 */
  readonly threshold?: number;
  /**
   * The codings offered, best first (the tie-break between codings the
   * client weighs equally). `zstd` is skipped on a Node without it.
   * @default ['br', 'zstd', 'gzip', 'deflate'] (zstd where available)
   */
  readonly encodings?: readonly CompressingCoding[];
}

/**
 * A middleware compressing responses by the request's `Accept-Encoding`
 * (`Response` bodies whole, `StreamResponse` bodies as they are written),
 * for compressible types (text, JSON, XML, JavaScript, SVG...; never images,
 * video, archives or `text/event-stream`), with `Vary: Accept-Encoding`.
 * A response's own `enableCompression()` wins; `Cache-Control: no-transform`
 * or a `Content-Encoding` of its own opts a response out.
 * @example
 * const app = new web.Application({ middlewares: [web.compressionMiddleware({ threshold: 2048 })] });
 */
export function compressionMiddleware(options?: CompressionOptions): Middleware {
  checkOptions('compressionMiddleware()', options, OPTIONS);
  const threshold = options?.threshold ?? 1024;
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 0) {
    throw new TypeError(`compressionMiddleware(): threshold must be an integer >= 0, got ${describe(threshold)}`);
  }
  const config: CompressionConfig = { force: null, encodings: encodingsOf(options?.encodings), threshold, checkType: true };
  return async (request, handler) => {
    setCompressionOf(request._res, config);
    const resp = await handler(request);
    if (resp instanceof StreamResponse && !resp.prepared && resp._compression === null) resp._compression = config;
    return resp;
  };
}

function encodingsOf(list: readonly CompressingCoding[] | undefined): readonly CompressingCoding[] {
  if (list === undefined) return AVAILABLE_CODINGS;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError(`compressionMiddleware(): encodings must be a non-empty array, got ${describe(list)}`);
  const out: CompressingCoding[] = [];
  for (const name of list as readonly unknown[]) {
    if (name === 'zstd' && !HAS_ZSTD) continue;
    if (typeof name !== 'string' || !isAvailable(name)) {
      throw new TypeError(`compressionMiddleware(): encodings: ${describe(name)} is not one of br, zstd, gzip, deflate`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
