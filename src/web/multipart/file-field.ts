/**
 * `FileField`: a file of a form read by `request.post()`, as aiohttp's. Its
 * content is in memory up to `spoolThreshold`, past that in a temporary file
 * that is removed when the request ends.
 * @module
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { RequestHeaders } from '../headers.js';

/**
 * A file sent in a multipart/form-data body.
 * @example
 * const form = await request.post();
 * const avatar = form.get('avatar');
 * if (avatar instanceof web.FileField) await pipeline(avatar.stream(), fs.createWriteStream(dest));
 */
export class FileField {
  /** The form field name. */
  readonly name: string;
  /** The file name the client sent (a base name: busboy drops any directories). */
  readonly filename: string;
  /** The media type the client sent. @default 'application/octet-stream' when none was sent */
  readonly contentType: string;
  /** The part's headers (Content-Disposition, Content-Type). */
  readonly headers: RequestHeaders;
  /** The size in bytes. */
  readonly size: number;
  /**
   * The temporary file holding the content, or null while it is in memory
   * (`size` up to `spoolThreshold`). The file is removed when the request
   * ends: copy or rename it (same file system) inside the handler to keep it.
   */
  readonly path: string | null;
  readonly #data: Buffer | null;

  /** @internal */
  constructor(name: string, filename: string, contentType: string, headers: RequestHeaders, size: number, path: string | null, data: Buffer | null) {
    this.name = name;
    this.filename = filename;
    this.contentType = contentType;
    this.headers = headers;
    this.size = size;
    this.path = path;
    this.#data = data;
  }

  /** The whole content (read from the temporary file if there is one). */
  async read(): Promise<Buffer> {
    return this.#data ?? readFile(this.path as string);
  }

  /** The content as text. @param encoding - @default 'utf8' */
  async text(encoding: BufferEncoding = 'utf8'): Promise<string> {
    return (await this.read()).toString(encoding);
  }

  /** The content as a Node stream, from memory or from the temporary file. */
  stream(): Readable {
    return this.#data === null ? createReadStream(this.path as string) : Readable.from([this.#data]);
  }
}
