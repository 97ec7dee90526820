/**
 * Options of `request.multipart()` and `request.post()`, named as busboy's
 * (and so @fastify/multipart's) `limits`, checked once per call.
 * @module
 */
import { checkOptions, knownOptions } from '../../core/options.js';
import { describe } from '../../core/validate.js';

/** Limits on a multipart body, as busboy's `limits`; each one exceeded is a 413 that names it. */
export interface MultipartLimits {
  /** Largest value of a field without a filename, in bytes. @default 1048576 */
  readonly fieldSize?: number;
  /** Largest file (a part with a filename), in bytes. @default Infinity */
  readonly fileSize?: number;
  /** Most parts with a filename. @default Infinity */
  readonly files?: number;
  /** Most parts without a filename. @default Infinity */
  readonly fields?: number;
  /** Most parts in all. @default 1000 */
  readonly parts?: number;
}

/** Options of `request.multipart()`. */
export interface MultipartOptions {
  /** Limits on parts and their sizes. */
  readonly limits?: MultipartLimits;
}

/** Options of `request.post()`. */
export interface PostOptions extends MultipartOptions {
  /** Files larger than this many bytes go to a temporary file instead of memory. @default 1048576 */
  readonly spoolThreshold?: number;
  /** Where temporary files go. @default os.tmpdir() */
  readonly tmpDir?: string;
}

/** @internal Limits resolved: every one a number. */
export interface ResolvedLimits {
  readonly fieldSize: number;
  readonly fileSize: number;
  readonly files: number;
  readonly fields: number;
  readonly parts: number;
}

const LIMITS = knownOptions('fieldSize', 'fileSize', 'files', 'fields', 'parts');
const MULTIPART = knownOptions('limits');
const POST = knownOptions('limits', 'spoolThreshold', 'tmpDir');
const MIB = 1024 * 1024;

/** @internal A count or size: an integer >= 0, or Infinity. */
export function toLimit(where: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!Number.isInteger(value) && value !== Infinity)) {
    throw new RangeError(`${where}: ${name} must be an integer >= 0 or Infinity, got ${describe(value)}`);
  }
  return value;
}

/** @internal */
export function resolveLimits(where: string, options: MultipartOptions | undefined): ResolvedLimits {
  const l = options?.limits;
  checkOptions(`${where} limits`, l, LIMITS);
  return {
    fieldSize: toLimit(where, 'limits.fieldSize', l?.fieldSize, MIB),
    fileSize: toLimit(where, 'limits.fileSize', l?.fileSize, Infinity),
    files: toLimit(where, 'limits.files', l?.files, Infinity),
    fields: toLimit(where, 'limits.fields', l?.fields, Infinity),
    parts: toLimit(where, 'limits.parts', l?.parts, 1000),
  };
}

/** @internal */
export function checkMultipartOptions(options: MultipartOptions | undefined): void {
  checkOptions('Request.multipart()', options, MULTIPART);
}

/** @internal */
export function checkPostOptions(options: PostOptions | undefined): void {
  checkOptions('Request.post()', options, POST);
  const dir = options?.tmpDir;
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) throw new TypeError(`Request.post(): tmpDir must be a directory path, got ${describe(dir)}`);
}
