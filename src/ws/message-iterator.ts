/**
 * The iterator behind `for await (const msg of ws)`.
 * @module
 */
import { WSMsgType, type WSMessage } from './message.js';

/** What the iterator needs of a WebSocket. */
interface Receiver {
  /** The next message as an IteratorResult (DONE for CLOSE, CLOSING, CLOSED). */
  _next(iter: MessageIterator): Promise<IteratorResult<WSMessage, undefined>>;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** @internal `msg` as the iterator gives it: CLOSE, CLOSING and CLOSED end the loop. */
export function iteratorResult(msg: WSMessage): IteratorResult<WSMessage, undefined> {
  if (msg.type === WSMsgType.CLOSE || msg.type === WSMsgType.CLOSING || msg.type === WSMsgType.CLOSED) return DONE;
  return { done: false, value: msg };
}

/**
 * @internal Messages from the socket until CLOSE, CLOSING or CLOSED. A
 * hand-written iterator rather than an async generator: a generator's
 * `yield` awaits the value and its `next()` queues a request, a promise and
 * a microtask more per message. The socket resolves its wait with the
 * IteratorResult itself (`_next()`), so `next()` adds no `then` either.
 */
export class MessageIterator implements AsyncIterableIterator<WSMessage, undefined> {
  readonly #ws: Receiver;
  #done = false;

  constructor(ws: Receiver) {
    this.#ws = ws;
  }

  next(): Promise<IteratorResult<WSMessage, undefined>> {
    if (this.#done) return Promise.resolve(DONE);
    return this.#ws._next(this);
  }

  /** @internal The socket's receive failed: the iterator is done. */
  _fail(): void {
    this.#done = true;
  }

  /** Called when a `for await` loop ends early (`break`, `return`, a throw in its body). */
  return(): Promise<IteratorResult<WSMessage, undefined>> {
    this.#done = true;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
