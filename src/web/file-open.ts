/**
 * Finding and opening the file a {@link FileResponse} sends: the
 * pre-compressed sibling the client accepts (`name.br`, `name.gz`, as
 * aiohttp 3.9+), its size and validators, and the status a failure maps to.
 * Callback `fs` under thin promises: each step is one trip to libuv's
 * thread pool, without a `FileHandle` per request.
 * @module
 */
import { close, constants, fstat, lstat, open, read, stat, type BigIntStats } from 'node:fs';

// Non-blocking so that opening a FIFO does not hold a pool thread until a writer comes (regular files ignore it).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What is known of a file before it is opened (a stat). */
export interface FileStat {
  readonly size: number;
  /** Modification time in nanoseconds since the epoch. */
  readonly mtimeNs: bigint;
  readonly regular: boolean;
  readonly directory: boolean;
}

/** An open file about to be sent. */
export interface OpenFile extends FileStat {
  readonly fd: number;
  /** The content coding of a pre-compressed sibling ('br', 'gzip'), or null. */
  readonly encoding: string | null;
}

/** @internal A file that cannot be sent: its status (403 or 404) says why. */
export class FileError extends Error {
  readonly status: 403 | 404;
  constructor(status: 403 | 404, cause?: unknown) {
    super(status === 403 ? 'Forbidden' : 'Not Found', { cause });
    this.status = status;
  }
}

/** The status an fs error maps to: 403 for permissions, 404 for the rest (as aiohttp's OSError). */
export function statusOf(e: unknown): 403 | 404 {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM' ? 403 : 404;
}

/** Checked in this order, as aiohttp: brotli first. */
const SIBLINGS = [['br', '.br'], ['gzip', '.gz']] as const;

/**
 * True when `header` (Accept-Encoding, lower case) accepts `coding` by name
 * with a non-zero q (RFC 9110 §12.5.3). `*` is not taken to mean a
 * pre-compressed file: a client that lists no coding gets the plain one.
 */
export function acceptsCoding(header: string, coding: string): boolean {
  let from = 0;
  for (;;) {
    const i = header.indexOf(coding, from);
    if (i === -1) return false;
    from = i + coding.length;
    const before = i === 0 ? ',' : header[i - 1];
    const after = from === header.length ? ',' : header[from];
    if ((before === ',' || before === ' ' || before === '\t') && (after === ',' || after === ';' || after === ' ' || after === '\t')) {
      const end = header.indexOf(',', from);
      const params = header.slice(from, end === -1 ? header.length : end);
      const q = /;\s*q\s*=\s*([0-9.]+)/.exec(params);
      if (q === null || Number(q[1]) > 0) return true;
    }
  }
}

function fromStats(st: BigIntStats): FileStat {
  return { size: Number(st.size), mtimeNs: st.mtimeNs, regular: st.isFile(), directory: st.isDirectory() };
}

/** `stat` (following links), as a promise. */
export function statFile(path: string): Promise<FileStat> {
  return new Promise((resolve, reject) => {
    stat(path, { bigint: true }, (err, st) => (err === null ? resolve(fromStats(st)) : reject(err)));
  });
}

function lstatRegular(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    lstat(path, (err, st) => resolve(err === null && st.isFile()));
  });
}

function openFd(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, OPEN_FLAGS, (err, fd) => (err === null ? resolve(fd) : reject(err)));
  });
}

function fstatFd(fd: number): Promise<FileStat> {
  return new Promise((resolve, reject) => {
    fstat(fd, { bigint: true }, (err, st) => (err === null ? resolve(fromStats(st)) : reject(err)));
  });
}

/** Read into `buf` from `position`; resolves with the bytes read (0 at the end of the file). */
export function readAt(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, offset, length, position, (err, n) => (err === null ? resolve(n) : reject(err)));
  });
}

function ignore(): void {}

/** Close without waiting: nothing is gained by waiting for it, as aiohttp. */
export function closeFd(fd: number): void {
  close(fd, ignore);
}

/**
 * Open `path` for sending, or its pre-compressed sibling when
 * `acceptEncoding` (lower case) accepts its coding. A sibling counts only
 * as a regular file that is not a symlink (as aiohttp: a link could point
 * anywhere). `known` is a stat of `path` made just before (by a static
 * route), which saves an `fstat`. Throws {@link FileError}.
 */
export async function openForSending(path: string, acceptEncoding: string, known: FileStat | null): Promise<OpenFile> {
  if (acceptEncoding !== '') {
    for (const [coding, ext] of SIBLINGS) {
      if (!acceptsCoding(acceptEncoding, coding)) continue;
      const sibling = path + ext;
      if (!(await lstatRegular(sibling))) continue;
      try {
        return await openChecked(sibling, coding, null);
      } catch {
        // Gone or unreadable since the lstat: fall back to the plain file.
      }
    }
  }
  return openChecked(path, null, known);
}

async function openChecked(path: string, encoding: string | null, known: FileStat | null): Promise<OpenFile> {
  // A directory, socket or device is refused before it is opened: opening a FIFO would block.
  if (known !== null && !known.regular) throw new FileError(403);
  let fd: number;
  try {
    fd = await openFd(path);
  } catch (e) {
    throw new FileError(statusOf(e), e);
  }
  let st = known;
  if (st === null) {
    try {
      st = await fstatFd(fd);
    } catch (e) {
      closeFd(fd);
      throw new FileError(statusOf(e), e);
    }
    if (!st.regular) {
      closeFd(fd);
      throw new FileError(403);
    }
  }
  return { fd, size: st.size, mtimeNs: st.mtimeNs, regular: true, directory: false, encoding };
}
