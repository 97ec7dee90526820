// Feeds a request body into the StreamReader behind `request.content`, as
// aiohttp's payload feeding. The listeners stay for the body's lifetime (the
// reader outlives any one read, and a cancelled read does not stop the body),
// and go as soon as the body ended, failed or the connection closed.
import type { IncomingMessage } from 'node:http';
import type { StreamReader } from '../core/streams/stream-reader.js';
import { ConnectionResetError } from './response.js';

class BodyFeed {
  readonly #req: IncomingMessage;
  readonly #reader: StreamReader;
  #open = true;
  readonly #onData = (chunk: Buffer): void => this.#data(chunk);
  readonly #onEnd = (): void => this.#end();
  readonly #onError = (e: Error): void => this.#fail(new ConnectionResetError('error reading the body', { cause: e }));
  // Reached only before 'end': the rest of the body will never come.
  readonly #onClose = (): void => this.#fail(new ConnectionResetError('client disconnected'));

  constructor(req: IncomingMessage, reader: StreamReader) {
    this.#req = req;
    this.#reader = reader;
    reader.setTransport({ pauseReading: () => req.pause(), resumeReading: () => req.resume() });
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

  #data(chunk: Buffer): void {
    if (this.#open) this.#reader.feedData(chunk);
  }

  #end(): void {
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
    return true;
  }
}

/** @internal Feed `req`'s body into `reader` (its listeners live until the body ends). */
export function feedBody(req: IncomingMessage, reader: StreamReader): void {
  // The instance lives on in req's listeners.
  void new BodyFeed(req, reader);
}
