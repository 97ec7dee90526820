/**
 * The iterator behind `for await (const msg of ws)`.
 * @module
 */
import { WSMsgType, type WSMessage } from './message.js';

/** What the iterator needs of a WebSocket. */
interface Receiver {
  receive(): Promise<WSMessage>;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * @internal Messages from `receive()` until CLOSE, CLOSING or CLOSED. A
 * hand-written iterator rather than an async generator: a generator's
 * `yield` awaits the value and its `next()` queues a request, a promise and
 * a microtask more per message than one `then` on `receive()`'s promise.
 */
export class MessageIterator implements AsyncIterableIterator<WSMessage, undefined> {
  readonly #ws: Receiver;
  #done = false;
  // Made once per loop, not once per message.
  readonly #onMessage = (msg: WSMessage): IteratorResult<WSMessage, undefined> => this.#result(msg);
  readonly #onError = (err: unknown): never => {
    this.#done = true;
    throw err;
  };

  constructor(ws: Receiver) {
    this.#ws = ws;
  }

  next(): Promise<IteratorResult<WSMessage, undefined>> {
    if (this.#done) return Promise.resolve(DONE);
    return this.#ws.receive().then(this.#onMessage, this.#onError);
  }

  /** Called when a `for await` loop ends early (`break`, `return`, a throw in its body). */
  return(): Promise<IteratorResult<WSMessage, undefined>> {
    this.#done = true;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #result(msg: WSMessage): IteratorResult<WSMessage, undefined> {
    if (msg.type === WSMsgType.CLOSE || msg.type === WSMsgType.CLOSING || msg.type === WSMsgType.CLOSED) {
      this.#done = true;
      return DONE;
    }
    return { done: false, value: msg };
  }
}
