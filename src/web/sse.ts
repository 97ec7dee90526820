/**
 * Server-sent events, as the aiohttp-sse package: an
 * {@link EventSourceResponse} that writes `text/event-stream` events and
 * keeps the connection alive with comment pings.
 * @module
 */
import { InvalidStateError } from '../core/errors.js';
import { Future } from '../core/future.js';
import { listenWhilePending } from '../core/listen-while-pending.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { suspend } from '../core/suspend.js';
import { describe } from '../core/validate.js';
import type { ContentCoding } from './compression/codings.js';
import type { Request } from './request.js';
import { StreamResponse, type StreamResponseOptions } from './response.js';

const OPTIONS = knownOptions('status', 'reason', 'headers', 'sep', 'pingInterval');
const SEND_OPTIONS = knownOptions('id', 'event', 'retry');
const LINE_BREAK = /\r\n|\r|\n/;

/** Options of {@link EventSourceResponse}. */
export interface EventSourceResponseOptions extends StreamResponseOptions {
  /** The line separator: `\r\n`, `\n` or `\r`. @default '\r\n' */
  readonly sep?: '\r\n' | '\n' | '\r';
  /** Seconds between keep-alive comments (`: ping`); 0 sends none. @default 15 */
  readonly pingInterval?: number;
}

/** The fields of one event besides its data. */
export interface SendOptions {
  /** The event id the client sends back as `Last-Event-ID` when it reconnects. */
  readonly id?: string | number;
  /** The event type (`addEventListener(type)` in a browser); the default type is `message`. */
  readonly event?: string;
  /** How long the client waits before reconnecting, in seconds (sent as milliseconds, as the protocol has it). */
  readonly retry?: number;
}

/**
 * A `text/event-stream` response, as aiohttp-sse's `EventSourceResponse`:
 * `Cache-Control: no-cache`, `X-Accel-Buffering: no` (so nginx passes each
 * event on at once), never compressed, and a `: ping` comment every
 * `pingInterval` seconds while the client is connected.
 * @example
 * const resp = new EventSourceResponse();
 * await resp.prepare(request);
 * let id = Number(resp.lastEventId ?? 0);
 * for (;;) {
 *   await resp.send(JSON.stringify(await nextUpdate()), { id: ++id, event: 'update' });
 * }
 */
export class EventSourceResponse extends StreamResponse {
  readonly #sep: string;
  readonly #pingInterval: number;
  #timer: NodeJS.Timeout | undefined = undefined;
  #lastEventId: string | null | undefined = undefined;

  constructor(options?: EventSourceResponseOptions) {
    checkOptions('EventSourceResponse()', options, OPTIONS);
    const { sep = '\r\n', pingInterval = 15, ...rest } = options ?? {};
    super(rest);
    if (sep !== '\r\n' && sep !== '\n' && sep !== '\r') throw new TypeError(`EventSourceResponse(): sep must be '\\r\\n', '\\n' or '\\r', got ${describe(sep)}`);
    if (typeof pingInterval !== 'number' || !(pingInterval >= 0) || !Number.isFinite(pingInterval)) {
      throw new TypeError(`EventSourceResponse(): pingInterval must be a number of seconds >= 0, got ${describe(pingInterval)}`);
    }
    this.#sep = sep;
    this.#pingInterval = pingInterval;
    const h = this.headers;
    h.set('Content-Type', 'text/event-stream; charset=utf-8');
    h.set('Cache-Control', 'no-cache');
    h.set('X-Accel-Buffering', 'no');
  }

  /** The `Last-Event-ID` the client reconnected with, or null (readable once prepared). */
  get lastEventId(): string | null {
    if (this.#lastEventId === undefined) throw new InvalidStateError('EventSourceResponse.lastEventId: call prepare(request) first');
    return this.#lastEventId;
  }

  /** Refused: events must reach the client one by one, not when a compressor's block fills. */
  override enableCompression(_force?: ContentCoding): never {
    throw new TypeError('EventSourceResponse: server-sent events are never compressed (each event must reach the client at once)');
  }

  override async prepare(request: Request): Promise<void> {
    if (this.prepared) return;
    this.#lastEventId = request.headers.get('last-event-id') ?? null;
    await super.prepare(request);
    const res = request._res;
    if (this.#pingInterval > 0 && !res.destroyed) {
      const ping = `: ping${this.#sep}${this.#sep}`;
      const timer = setInterval(() => {
        // A full socket buffer already tells the proxy the stream is alive.
        if (!res.destroyed && !res.writableNeedDrain && !this._eof) res.write(ping);
      }, this.#pingInterval * 1000);
      timer.unref();
      this.#timer = timer;
      res.once('close', () => clearInterval(timer));
    }
  }

  /**
   * Send one event. `data` spanning lines becomes one `data:` line each (the
   * client joins them back with `\n`). Throws `ConnectionResetError` once the
   * client has gone.
   */
  async send(data: string, options?: SendOptions): Promise<void> {
    checkOptions('send()', options, SEND_OPTIONS);
    if (typeof data !== 'string') throw new TypeError(`send(): data must be a string, got ${describe(data)}`);
    const sep = this.#sep;
    let out = '';
    const id = options?.id;
    if (id !== undefined) {
      const s = String(id);
      if (LINE_BREAK.test(s) || s.includes('\0')) throw new TypeError('send(): id must not contain a line break or NUL');
      out += `id: ${s}${sep}`;
    }
    const event = options?.event;
    if (event !== undefined) {
      if (typeof event !== 'string' || LINE_BREAK.test(event)) throw new TypeError(`send(): event must be a string without line breaks, got ${describe(event)}`);
      out += `event: ${event}${sep}`;
    }
    const retry = options?.retry;
    if (retry !== undefined) {
      if (typeof retry !== 'number' || !(retry >= 0) || !Number.isFinite(retry)) throw new TypeError(`send(): retry must be a number of seconds >= 0, got ${describe(retry)}`);
      out += `retry: ${Math.round(retry * 1000)}${sep}`;
    }
    for (const line of data.split(LINE_BREAK)) out += `data: ${line}${sep}`;
    await this.write(out + sep);
  }

  /** Wait until the client goes away (or the stream is ended), as aiohttp-sse's `wait()`. */
  async wait(): Promise<void> {
    const res = this._resIfPrepared();
    if (res === undefined) throw new InvalidStateError('EventSourceResponse.wait(): call prepare(request) first');
    if (res.destroyed || res.writableFinished) return;
    const fut = new Future<void>();
    const done = (): void => {
      if (!fut.done()) fut.setResult(undefined);
    };
    listenWhilePending(fut, res).on('close', done).on('finish', done);
    return suspend(fut, undefined);
  }

  override async writeEof(data?: Uint8Array | string): Promise<void> {
    clearInterval(this.#timer);
    await super.writeEof(data);
  }

  /** @internal */
  override _endBody(res: Parameters<StreamResponse['_endBody']>[0]): void {
    clearInterval(this.#timer);
    super._endBody(res);
  }
}
