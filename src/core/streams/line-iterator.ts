// Async iteration over a StreamReader's lines. A plain iterator rather than an
// async generator: one promise per line instead of three, and V8 resolves a
// promise with an iterator result faster than with a Buffer.
import type { StreamReader } from './stream-reader.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** @internal */
export class LineIterator implements AsyncIterator<Buffer, undefined> {
  readonly #reader: StreamReader;
  constructor(reader: StreamReader) {
    this.#reader = reader;
  }

  next(): Promise<IteratorResult<Buffer, undefined>> {
    const line = this.#reader._lineNow();
    if (line !== undefined) return Promise.resolve({ value: line, done: false });
    return this.#reader.readline().then(toResult);
  }

  return(): Promise<IteratorResult<Buffer, undefined>> {
    return Promise.resolve(DONE);
  }
}

function toResult(line: Buffer): IteratorResult<Buffer, undefined> {
  return line.length === 0 ? DONE : { value: line, done: false };
}
