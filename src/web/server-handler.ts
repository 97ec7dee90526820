/**
 * The request path: Node's `IncomingMessage` → router lookup → the route's
 * composed chain, run as a Task → one `writeHead` and `end`. Everything that
 * can be decided before a request arrives was decided when the app froze.
 * @module
 */
import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CancelledError, isCancellation } from '../core/errors.js';
import { Future } from '../core/future.js';
import { report } from '../core/report.js';
import { Task } from '../core/task.js';
import { describe } from '../core/validate.js';
import { AccessLogger, DEFAULT_ACCESS_LOG_FORMAT, stdoutSink, type AccessLogSink } from './access-log.js';
import { compressionOf } from './compression/scope.js';
import type { Application } from './application.js';
import { refusedHead } from './headers.js';
import { HTTPBadRequest, HTTPException, HTTPInternalServerError, HTTPRequestURITooLong } from './exceptions.js';
import { FileResponse } from './file-response.js';
import { ReadAhead } from './read-ahead.js';
import { Request } from './request.js';
import { Response, StreamResponse } from './response.js';
import { matchPathOf } from './router/path-encoding.js';
import type { MatchSink, UrlDispatcher } from './router/url-dispatcher.js';
import type { Handler, HandlerResult } from './types.js';
import { markUpgraded } from './connections.js';
import { upgradeOf, upgradeResponse, type WebSocketOwner } from './upgrade.js';
import type { WebSocketResponse } from './websocket-response.js';

/** Options of the request handler (part of the runner's options). */
export interface HandlerOptions {
  /** Where access log lines go; null turns the log off. @default a line on stdout per request */
  readonly accessLog?: AccessLogSink | null;
  /** The access log format (aiohttp's `%a %t "%r" %s %b ...`). @default DEFAULT_ACCESS_LOG_FORMAT */
  readonly accessLogFormat?: string;
  /** Cancel the handler's task when the client disconnects (aiohttp 3.9+'s `handler_cancellation`). @default false */
  readonly handlerCancellation?: boolean;
  /** Receives handler errors (the client gets a 500). @default the loop's exception handler (stderr) */
  readonly errorLog?: (message: string, error: unknown) => void;
}

/** The longest request target accepted (as aiohttp's max_line_size); also bounds route regexes. */
const MAX_URL = 8190;
const requestChannel = channel('aiots:web:request');
// `scheme://authority` of an absolute-form target (RFC 9112 §3.2.2).
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

function defaultErrorLog(message: string, error: unknown): void {
  report({ message, exception: error });
}

/** @internal Serves one application; shared by every site of a runner. */
export class ServerHandler implements WebSocketOwner {
  readonly #app: Application;
  readonly #router: UrlDispatcher;
  readonly #accessLogger: AccessLogger | null;
  readonly #cancelOnDisconnect: boolean;
  readonly #errorLog: (message: string, error: unknown) => void;
  readonly #sink: MatchSink;
  readonly #inflight = new Set<Task<HandlerResult>>();
  readonly #readAhead = new ReadAhead();
  // Open WebSockets, told to go away (1001) when shutdown begins.
  readonly #websockets = new Set<WebSocketResponse>();
  #idle: Future<void> | undefined = undefined;
  #closing = false;

  constructor(app: Application, options: HandlerOptions | undefined) {
    this.#app = app;
    this.#router = app.router;
    const sink = options?.accessLog === undefined ? stdoutSink : options.accessLog;
    this.#accessLogger = sink === null ? null : new AccessLogger(sink, options?.accessLogFormat ?? DEFAULT_ACCESS_LOG_FORMAT);
    this.#cancelOnDisconnect = options?.handlerCancellation === true;
    const errorLog = options?.errorLog;
    if (errorLog !== undefined && typeof errorLog !== 'function') throw new TypeError(`errorLog must be a function, got ${describe(errorLog)}`);
    this.#errorLog = errorLog ?? defaultErrorLog;
    this.#sink = { params: {}, allowed: null, router: app.router };
  }

  /** How many handlers are running. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** The 'request' listener of Node's server. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    // A pipelined request: an earlier answer on this connection is not sent
    // yet, so Node holds this response back without a socket. Its handler
    // waits for that socket too, so a connection runs one handler at a time
    // (as aiohttp does) however many requests a client pipelines at once.
    if (res.socket === null) return this.#defer(req, res);
    const start = this.#accessLogger?.needsTime === true ? performance.now() : 0;
    const url = req.url as string;
    let rawPath: string;
    let search: string;
    if (url.length > MAX_URL) return this.#refuse(req, res, new HTTPRequestURITooLong(), start);
    const refused = refusedHead(req);
    if (refused !== null) return this.#refuse(req, res, new HTTPBadRequest({ text: refused }), start);
    if (url.charCodeAt(0) === 47) {
      const q = url.indexOf('?');
      rawPath = q === -1 ? url : url.slice(0, q);
      search = q === -1 ? '' : url.slice(q);
    } else {
      // The absolute form (`GET http://host/path`) that proxies send, routed
      // on the same raw path as the origin form: WHATWG URL would resolve
      // `/public/%2e%2e/admin` to `/admin`, past a proxy's prefix rules.
      const authority = ABSOLUTE_FORM.exec(url);
      const rest = authority === null ? '' : url.slice(authority[0].length);
      if (authority === null || (rest !== '' && rest.charCodeAt(0) !== 47 && rest.charCodeAt(0) !== 63)) {
        return this.#refuse(req, res, new HTTPBadRequest({ text: 'Bad request target' }), start);
      }
      const q = rest.indexOf('?');
      rawPath = q === -1 ? rest : rest.slice(0, q);
      if (rawPath === '') rawPath = '/';
      search = q === -1 ? '' : rest.slice(q);
    }
    let matchPath = rawPath;
    if (rawPath.includes('%')) {
      const m = matchPathOf(rawPath);
      if (m === null) return this.#refuse(req, res, new HTTPBadRequest({ text: 'Bad percent-encoding in path' }), start);
      matchPath = m;
    }
    const sink = this.#sink;
    const route = this.#router._resolve(req.method as string, matchPath, sink);
    const router = sink.router;
    const request = new Request(req, res, router._app ?? this.#app, route, sink.params, sink.allowed, rawPath, search);
    if (requestChannel.hasSubscribers) requestChannel.publish({ request });
    this.#run(request, route === null ? router._errorChain : route._chain, start);
  };

  /**
   * The 'upgrade' listener of Node's server: the request goes the way of any
   * other, on a response made for its socket (see upgrade.ts).
   */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.handle(req, upgradeResponse(req, socket, head, this));
  };

  /** @internal `request`'s handler opened a WebSocket. */
  _adopt(ws: WebSocketResponse, socket: Duplex, request: Request): void {
    const sockets = this.#websockets;
    sockets.add(ws);
    // 'close' comes once per socket: `on` spares the wrapper `once` makes (the closure lives as long as the WebSocket).
    socket.on('close', () => sockets.delete(ws));
    markUpgraded(socket);
    // Read now: the access line is written when the handler ends, often
    // after the socket closed, and Node then no longer knows the peer.
    (socket as Duplex & { remoteAddress?: string }).remoteAddress?.toString();
    const task = request._task;
    if (task instanceof HandlerTask) task._ws = ws;
    if (this.#closing) ws._goAway();
  }

  #defer(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.#readAhead.hold(socket);
    res.once('socket', () => {
      // Node hands the socket over from inside the previous response's
      // 'finish'; the handler starts once that is over.
      process.nextTick(() => {
        this.#readAhead.release(socket);
        // Shutting down: requests not started yet are not run; closing the
        // connection tells the client they were not answered (aiohttp too).
        if (this.#closing) res.destroy();
        else this.handle(req, res);
      });
    });
  }

  #run(request: Request, chain: Handler, start: number): void {
    const task = new HandlerTask(chain, request, this, start);
    this.#inflight.add(task);
    if (this.#cancelOnDisconnect) request._res.once('close', () => task.cancelIfUnfinished());
    task._startNow();
  }

  /** @internal The handler's task is done: write what it gave. */
  _finish(task: HandlerTask): void {
    this.#done(task);
    if (task._ws !== undefined) return this.#finishWebSocket(task, task._ws);
    const request = task.request;
    if (task.cancelled()) return this.#failed(request, new CancelledError(), task.start);
    const error = task.exception();
    try {
      if (error !== null) this.#failed(request, error, task.start);
      else this.#respond(request, task.result(), task.start);
    } catch (e) {
      // Writing failed (a header value Node refuses that slipped past the checks
      // when it was set, a socket in a bad state). Before the head is out the
      // client can still be told; after it, only a closed connection says so.
      this.#errorLog(`Error writing the response: ${request.method} ${request.rawPath}`, e);
      const res = request._res;
      if (res.headersSent || res.destroyed) res.destroy();
      else this.#sendException(request, new HTTPInternalServerError(), task.start);
    }
  }

  /** The handler of an upgraded request ended: whatever it gave, the WebSocket is what the client has. */
  #finishWebSocket(task: HandlerTask, ws: WebSocketResponse): void {
    const request = task.request;
    let failed = task.cancelled();
    const error = failed ? null : task.exception();
    if (error !== null) {
      failed = true;
      if (!isCancellation(error)) this.#errorLog(`Error handling WebSocket: ${request.method} ${request.rawPath}`, error);
    }
    ws._handlerDone(failed);
    this.#log(request, ws._response, 101, task.start);
  }

  #respond(request: Request, result: unknown, start: number): void {
    const res = request._res;
    if (result instanceof StreamResponse) {
      if (!result.prepared) {
        if (this.#closing || request._bodyRefused) res.shouldKeepAlive = false;
        if (result instanceof FileResponse) return this.#sendFile(request, result, start);
        if (result._compression !== null) return this.#sendCompressed(request, result, start);
        result._send(res);
      } else if (!result._eof) {
        result._endBody(res);
      }
      this.#log(request, result, res.statusCode, start);
    } else if (result instanceof HTTPException) {
      this.#sendException(request, result, start);
    } else {
      const name = request.route?.handler.name || 'anonymous';
      this.#errorLog(`Error handling request: handler ${name} (${request.method} ${request.rawPath}) returned ${describe(result)}, not a StreamResponse or Response`, new TypeError(`handler ${name} returned ${describe(result)}`));
      this.#sendException(request, new HTTPInternalServerError(), start);
    }
  }

  /**
   * A file is read and sent after its handler returned, in a task of its
   * own that shutdown waits for (and cancels at its deadline), as a handler.
   */
  #sendFile(request: Request, file: FileResponse, start: number): void {
    const task = new Task<HandlerResult>(() => sendFile(request, file));
    this.#inflight.add(task);
    task.addDoneCallback(() => {
      this.#done(task);
      if (task.cancelled()) return this.#failed(request, new CancelledError(), start);
      const error = task.exception();
      if (error !== null) return this.#failed(request, error, start);
      this.#log(request, file, request._res.statusCode, start);
    });
  }

  // A large body is compressed on the threadpool: the response goes out when that is done.
  #sendCompressed(request: Request, result: StreamResponse, start: number): void {
    const res = request._res;
    result._sendAsync(res).then(
      () => this.#log(request, result, res.statusCode, start),
      (e: unknown) => {
        this.#errorLog(`Error compressing the response: ${request.method} ${request.rawPath}`, e);
        if (res.headersSent || res.destroyed) res.destroy();
        else this.#sendException(request, new HTTPInternalServerError(), start, false);
      },
    );
  }

  #failed(request: Request, e: unknown, start: number): void {
    if (e instanceof HTTPException) return this.#sendException(request, e, start);
    const res = request._res;
    if (res.destroyed) return;
    // prepare() gave the socket away and then failed (the client had gone): nothing can be written.
    if (upgradeOf(res)?.handedOver === true) {
      if (!isCancellation(e)) this.#errorLog(`Error handling request: ${request.method} ${request.rawPath}`, e);
      return;
    }
    if (isCancellation(e)) {
      // Cancelled by disconnect or at the shutdown deadline: nobody is waiting for an answer.
      res.destroy();
      return;
    }
    this.#errorLog(`Error handling request: ${request.method} ${request.rawPath}`, e);
    if (res.headersSent) res.destroy();
    else this.#sendException(request, new HTTPInternalServerError(), start);
  }

  #sendException(request: Request, e: HTTPException, start: number, compress = true): void {
    const res = request._res;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const resp = exceptionResponse(e);
    if (this.#closing || request._bodyRefused) res.shouldKeepAlive = false;
    // Compression asked for app-wide (the middleware) covers the answers
    // HTTPExceptions become, by the same rules as any response's.
    const config = compress ? compressionOf(res) : null;
    if (config !== null) {
      resp._compression = config;
      return this.#sendCompressed(request, resp, start);
    }
    resp._send(res);
    this.#log(request, resp, e.status, start);
  }

  #refuse(req: IncomingMessage, res: ServerResponse, e: HTTPException, start: number): void {
    res.shouldKeepAlive = false;
    const resp = exceptionResponse(e);
    resp._send(res);
    const logger = this.#accessLogger;
    if (logger !== null) logger.log({ req, res, response: resp, status: e.status, bodyLength: resp._bodyLength, start });
  }

  #log(request: Request, response: StreamResponse, status: number, start: number): void {
    const logger = this.#accessLogger;
    if (logger !== null) logger.log({ req: request._req, res: request._res, response, status, bodyLength: response._bodyLength, start });
  }

  #done(task: Task<HandlerResult>): void {
    this.#inflight.delete(task);
    // The grace timer of _drain() may have settled it already.
    if (this.#inflight.size === 0 && this.#idle !== undefined && !this.#idle.done()) this.#idle.setResult(undefined);
  }

  /** @internal Mark the server closing: responses from now on close their connection. */
  _beginClose(): void {
    this.#closing = true;
    for (const ws of this.#websockets) ws._goAway();
  }

  /**
   * @internal Wait for in-flight handlers up to `timeout` seconds, then
   * cancel what is left and give it a moment to unwind.
   */
  async _drain(timeout: number): Promise<void> {
    this.#closing = true;
    if (this.#inflight.size === 0) return;
    const idle = (this.#idle = new Future<void>());
    let grace: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      for (const t of this.#inflight) t.cancel('server shutdown timeout');
      // A handler that swallows its cancellation must not hold the shutdown forever.
      grace = setTimeout(() => {
        if (!idle.done()) idle.setResult(undefined);
      }, 1000);
    }, timeout * 1000);
    try {
      await idle._promise();
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
      this.#idle = undefined;
    }
  }
}

/**
 * The task a handler runs in; it carries what the server needs when it ends.
 * It starts eagerly (the request listener runs outside any task, so nothing
 * is gained by a microtask hop) and writes its response as it settles.
 */
class HandlerTask extends Task<HandlerResult> {
  readonly request: Request;
  readonly owner: ServerHandler;
  readonly start: number;
  readonly #chain: Handler;
  /** The WebSocket the handler opened; declared only, so that other requests pay nothing for it. */
  declare _ws: WebSocketResponse | undefined;
  constructor(chain: Handler, request: Request, owner: ServerHandler, start: number) {
    // Not started here: the server first records the task, then begins it.
    super(unreachableBody, undefined, true);
    this.#chain = chain;
    this.request = request;
    this.owner = owner;
    this.start = start;
    request._task = this;
  }

  override _call(): HandlerResult | PromiseLike<HandlerResult> {
    return this.#chain(this.request);
  }

  override _settle(state: 0 | 1 | 2 | 3, value: HandlerResult | undefined, error: unknown): void {
    if (this.done()) return;
    super._settle(state, value, error);
    // A task settles outside its own context (see task.ts), so nothing the
    // response writes carries the finished task.
    this.owner._finish(this);
  }

  /** With handlerCancellation: the connection closed before the response was finished. */
  cancelIfUnfinished(): void {
    if (!this.request._res.writableFinished) this.cancel('client disconnected');
  }
}

async function sendFile(request: Request, file: FileResponse): Promise<FileResponse> {
  await file.prepare(request);
  return file;
}

function unreachableBody(): never {
  throw new Error('unreachable: HandlerTask overrides _call()');
}

/** @internal The Response an HTTPException is sent as. */
export function exceptionResponse(e: HTTPException): Response {
  const resp = new Response({
    status: e.status,
    reason: e.reason,
    headers: e.headers,
    ...(e.text === null ? {} : { text: e.text, contentType: e.contentType }),
  });
  return resp;
}
