/**
 * `request.post()` of a multipart/form-data body: fields as strings, parts
 * with a filename as `FileField`s (spooled to a temporary file past a
 * threshold), other binary parts as Buffers, as aiohttp's `post()`.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { report } from '../../core/report.js';
import { HTTPBadRequest } from '../exceptions.js';
import { MultiDictProxy } from '../multidict.js';
import type { BodyPartReader } from './body-part.js';
import { FileField } from './file-field.js';
import { MultipartReader } from './reader.js';

/** What `request.post()` returns: each value a string, a Buffer (a binary part without a filename) or a `FileField`. */
export type PostData = MultiDictProxy<string | Buffer | FileField>;

/** @internal The temporary files of one request, removed together when it ends. */
export class TempFiles {
  readonly #paths = new Set<string>();
  /** True once the request ended: a file made later (by a task the handler left running) goes at once. */
  closed = false;

  add(path: string): void {
    this.#paths.add(path);
  }

  /** Remove one now (a failed upload). */
  remove(path: string): void {
    if (!this.#paths.delete(path)) return;
    unlinkQuietly(path);
  }

  /** Remove them all. Synchronous: an unlink is one short system call, and the client then never sees an answer before its files are gone. */
  removeAll(): void {
    this.closed = true;
    for (const p of this.#paths) unlinkQuietly(p);
    this.#paths.clear();
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') report({ message: `Could not remove the temporary upload ${path}`, exception: e });
  }
}

/** @internal Read every part of `reader` into a form. */
export async function readPostForm(reader: MultipartReader, spoolThreshold: number, tmpDir: string, temps: TempFiles): Promise<PostData> {
  const items: [string, string | Buffer | FileField][] = [];
  for (let part = await reader.next(); part !== null; part = await reader.next()) {
    if (part instanceof MultipartReader) {
      // aiohttp's post() raises ValueError here (a 500); it is the client's body, so a 400.
      throw new HTTPBadRequest({ text: `request.post() does not read nested multipart (a ${part.headers.get('content-type')?.split(';')[0] ?? 'multipart'} part): read the body with request.multipart()` });
    }
    const name = part.name ?? '';
    if (part.filename !== null) items.push([name, await spool(part, part.filename, spoolThreshold, tmpDir, temps)]);
    else if (part.contentType.startsWith('text/')) items.push([name, await part.text()]);
    else items.push([name, await part.read()]);
  }
  return new MultiDictProxy(items);
}

async function spool(part: BodyPartReader, filename: string, threshold: number, tmpDir: string, temps: TempFiles): Promise<FileField> {
  const chunks: Buffer[] = [];
  let size = 0;
  let fh: FileHandle | null = null;
  let path: string | null = null;
  let ok = false;
  try {
    for await (const c of part) {
      size += c.length;
      if (fh === null && size > threshold) {
        path = join(tmpDir, `aiots-upload-${randomUUID()}`);
        temps.add(path);
        fh = await open(path, 'wx', 0o600);
        if (chunks.length > 0) await fh.writev(chunks);
        chunks.length = 0;
      }
      if (fh !== null) await fh.write(c);
      else chunks.push(c);
    }
    ok = true;
  } finally {
    await fh?.close();
    if ((!ok || temps.closed) && path !== null) temps.remove(path);
  }
  const data = path === null ? (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)) : null;
  return new FileField(part.name ?? '', filename, part.contentType, part.headers, size, path, data);
}
