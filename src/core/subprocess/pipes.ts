// The two halves of Process.communicate(): feed stdin, read a pipe to EOF.
import type { StreamReader } from '../streams/stream-reader.js';
import type { StreamWriter } from '../streams/stream-writer.js';

// What a write to a pipe whose reader has gone away fails with (asyncio's
// BrokenPipeError and ConnectionResetError), which communicate() ignores.
const BROKEN = new Set(['EPIPE', 'ECONNRESET']);

/** @internal Write `input` (if any), wait for it to go out, close stdin. */
export async function feedStdin(stdin: StreamWriter, input: Uint8Array | string | undefined, signal: AbortSignal | undefined): Promise<void> {
  try {
    if (input !== undefined) {
      stdin.write(input);
      await stdin.drain(signal === undefined ? undefined : { signal });
    }
  } catch (e) {
    if (!BROKEN.has((e as { code?: unknown } | null)?.code as string)) throw e;
  }
  stdin.close();
}

/** @internal Every byte up to EOF, joined once at the end. */
export async function readToEnd(reader: StreamReader, signal: AbortSignal | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for (;;) {
    // Chunks as they came (no copy per read); a signal needs the public read.
    const chunk = signal === undefined ? await reader._readChunk() : await reader.readany({ signal });
    if (chunk.length === 0) break;
    parts.push(chunk);
    size += chunk.length;
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
}
