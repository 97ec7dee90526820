// Shared by the multipart tests: bodies built by hand.
import * as web from '../../src/web/index.js';

/** The part, known not to be a nested reader (throws otherwise, or for null). */
export function leaf(part: web.BodyPartReader | web.MultipartReader | null): web.BodyPartReader {
  if (!(part instanceof web.BodyPartReader)) throw new TypeError(`expected a BodyPartReader, got ${part === null ? 'null' : part.constructor.name}`);
  return part;
}

/** A multipart body by hand: [headers, content] per part. */
export function multipartBody(boundary: string, parts: readonly (readonly [string, string | Buffer])[], end = true): Buffer {
  const out: Buffer[] = [];
  for (const [head, content] of parts) {
    out.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n'));
  }
  if (end) out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}
