/**
 * How far a server reads ahead of a pipelining client. Node's HTTP server
 * parses every request a socket delivers and only stops reading when answers
 * back up; aiots runs one handler per connection at a time, so the requests
 * waiting for their turn would pile up unread in memory. While some wait,
 * the connection stops reading; it reads again once the last one starts.
 * @module
 */
import type { Socket } from 'node:net';

/**
 * Node's own flood guard, which these functions drive: with `_paused` set,
 * the server pauses its parser once the chunk at hand is parsed, and keeps
 * the socket paused when a request body's reader would resume it.
 */
interface HttpSocket extends Socket {
  _paused?: boolean;
  parser?: { pause(): void; resume(): void } | null;
}

/** @internal Pipelined requests of one connection waiting for their turn. */
export class ReadAhead {
  readonly #waiting = new WeakMap<Socket, number>();

  /** A request of `socket` waits: stop reading more from it. */
  hold(socket: Socket): void {
    const s = socket as HttpSocket;
    this.#waiting.set(s, (this.#waiting.get(s) ?? 0) + 1);
    if (s._paused !== true) {
      s._paused = true;
      s.pause();
    }
  }

  /** A waiting request of `socket` starts: when none is left, read on. */
  release(socket: Socket): void {
    const s = socket as HttpSocket;
    const n = (this.#waiting.get(s) ?? 1) - 1;
    if (n > 0) {
      this.#waiting.set(s, n);
      return;
    }
    this.#waiting.delete(s);
    // As Node resumes after its own pause.
    if (s._paused === true) {
      s._paused = false;
      s.parser?.resume();
      s.resume();
    }
  }
}
