// Feeds a request body into the StreamReader behind `request.content`, as
// aiohttp's payload feeding. The listeners stay for the body's lifetime (the
// reader outlives any one read, and a cancelled read does not stop the body),
// and go as soon as the body ended, failed or the connection closed.
// A body with a Content-Encoding goes through a zlib decoder first; the
// reader's flow control then pauses the decoder (and so the socket), so a
// compression bomb is inflated no further than what is read plus a buffer.
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import type { StreamReader } from '../core/streams/stream-reader.js';
import { makeRequestDecoder, type RequestCoding } from './body-coding.js';
import { HTTPBadRequest } from './exceptions.js';
import { ConnectionResetError } from './response.js';

class BodyFeed {
  readonly #req: IncomingMessage;
  readonly #reader: StreamReader;
  readonly #coding: RequestCoding | undefined;
  #decoder: Transform | undefined = undefined;
  #open = true;
  #paused = false;
  #needDrain = false;
  readonly #onData = (chunk: Buffer): void => this.#data(chunk);
  readonly #onEnd = (): void => this.#end();
  readonly #onError = (e: Error): void => this.#fail(new ConnectionResetError('error reading the body', { cause: e }));
  // Reached only before 'end': the rest of the body will never come.
  readonly #onClose = (): void => this.#fail(new ConnectionResetError('client disconnected'));

  constructor(req: IncomingMessage, reader: StreamReader, coding: RequestCoding | undefined) {
    this.#req = req;
    this.#reader = reader;
    this.#coding = coding;
    reader.setTransport({ pauseReading: () => this.#pause(), resumeReading: () => this.#resume() });
    // Already read to the end (by read(), say): nothing more will come.
    if (req.readableEnded) {
      this.#open = false;
      reader.feedEof();
      return;
    }
    if (req.destroyed) {
      this.#open = false;
      reader.setException(new ConnectionResetError('client disconnected'));
      return;
    }
    req.on('data', this.#onData);
    req.on('end', this.#onEnd);
    req.on('error', this.#onError);
    req.on('close', this.#onClose);
  }

  #pause(): void {
    this.#paused = true;
    this.#req.pause();
    this.#decoder?.pause();
  }

  #resume(): void {
    this.#paused = false;
    this.#decoder?.resume();
    if (!this.#needDrain) this.#req.resume();
  }

  #data(chunk: Buffer): void {
    if (!this.#open) return;
    if (this.#coding === undefined) {
      this.#reader.feedData(chunk);
      return;
    }
    const d = this.#decoder ?? this.#startDecoder(chunk[0] as number);
    if (!d.write(chunk)) {
      // The decoder's input is full (its output waits for the reader): wait for it.
      this.#needDrain = true;
      this.#req.pause();
    }
  }

  #startDecoder(firstByte: number): Transform {
    const d = (this.#decoder = makeRequestDecoder(this.#coding as RequestCoding, firstByte));
    const coding = this.#coding as string;
    d.on('data', (c: Buffer) => {
      if (this.#open) this.#reader.feedData(c);
    });
    d.on('end', () => {
      if (this.#detach()) this.#reader.feedEof();
    });
    d.on('error', (e: Error) => {
      if (!this.#detach()) return;
      this.#reader.setException(new HTTPBadRequest({ text: `Can not decode the request body (Content-Encoding: ${coding}): ${e.message}` }));
    });
    d.on('drain', () => {
      this.#needDrain = false;
      if (this.#open && !this.#paused) this.#req.resume();
    });
    if (this.#paused) d.pause();
    return d;
  }

  #end(): void {
    const d = this.#decoder;
    if (d !== undefined) {
      // The decoder's 'end' (or 'error', for a truncated stream) ends the feed.
      this.#req.off('close', this.#onClose);
      d.end();
      return;
    }
    if (!this.#detach()) return;
    this.#reader.feedEof();
  }

  #fail(e: Error): void {
    if (!this.#detach()) return;
    this.#reader.setException(e);
  }

  // False if already detached: each outcome is delivered once.
  #detach(): boolean {
    if (!this.#open) return false;
    this.#open = false;
    const req = this.#req;
    req.off('data', this.#onData);
    req.off('end', this.#onEnd);
    req.off('error', this.#onError);
    req.off('close', this.#onClose);
    // Dropping what is left of a decoder (its buffers, its zlib handle) at once.
    const d = this.#decoder;
    if (d !== undefined && !d.destroyed) d.destroy();
    return true;
  }
}

/** @internal Feed `req`'s body, decoded per `coding`, into `reader` (its listeners live until the body ends). */
export function feedBody(req: IncomingMessage, reader: StreamReader, coding?: RequestCoding): void {
  // The instance lives on in req's listeners.
  void new BodyFeed(req, reader, coding);
}
