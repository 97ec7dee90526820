// Shared by the multipart tests: bodies built by hand.

/** A multipart body by hand: [headers, content] per part. */
export function multipartBody(boundary: string, parts: readonly (readonly [string, string | Buffer])[], end = true): Buffer {
  const out: Buffer[] = [];
  for (const [head, content] of parts) {
    out.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n'));
  }
  if (end) out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}
