/**
 * `web.Server`, as aiohttp's low-level server: one handler gets every
 * request, with no router, middlewares or signals. Serve it with
 * {@link ServerRunner} and a site.
 * @module
 */
import { checkOptions } from '../core/options.js';
import { LOW_LEVEL_SERVER_OPTIONS, SERVER_ALIASES } from './option-names.js';
import { kServerFactory, type ServerFactory } from '../core/loop.js';
import { describe, toInt } from '../core/validate.js';
import { Application } from './application.js';
import type { Request } from './request.js';
import { AppServer, TCPSite, type RunnerOptions } from './runner.js';
import { ServerRunner } from './server-runner.js';
import type { Handler, HandlerResult } from './types.js';

/** Options of {@link Server}: the runner's options, plus the body limit. */
export interface ServerOptions extends RunnerOptions {
  /** Largest request body `read()`/`text()`/`json()`/`post()` accept, in bytes; larger gets 413. @default 1048576 */
  readonly clientMaxSize?: number;
}

/**
 * A handler that answers every request, as aiohttp's `web.Server(handler)`.
 * `request.route` is null and `request.matchInfo` empty: nothing was routed.
 * @example
 * const server = new Server(async (request) => new Response({ text: `Hello, ${request.path}` }));
 * const runner = new ServerRunner(server);
 * await runner.setup();
 * await new TCPSite(runner, '127.0.0.1', 8080).start();
 * // or, as aiohttp's lowlevel_srv example: await loop.createServer(server, '127.0.0.1', 8080);
 */
export class Server implements ServerFactory<AppServer> {
  /** The handler every request goes to. */
  readonly handler: Handler;
  /** @internal The app the runner machinery serves: no routes, so every request takes its error chain, which is the handler. */
  readonly _app: Application;

  constructor(handler: (request: Request) => HandlerResult | PromiseLike<HandlerResult>, options?: ServerOptions) {
    if (typeof handler !== 'function') throw new TypeError(`Server(): handler must be a function (request) => response, got ${describe(handler)}`);
    checkOptions('Server()', options, LOW_LEVEL_SERVER_OPTIONS, SERVER_ALIASES);
    this.handler = handler;
    const { clientMaxSize, ...handlerArgs } = options ?? {};
    this._app = new Application({
      // The router has no resource, so every request is a "not found" and
      // runs the app's error chain: this one middleware makes it the handler.
      middlewares: [(request) => handler(request)],
      clientMaxSize: clientMaxSize === undefined ? 1024 * 1024 : toInt('Server()', 'clientMaxSize', clientMaxSize, 0),
      handlerArgs,
    });
  }

  /** What `loop.createServer(server, host, port)` calls: a runner and one TCP site; `close()` the result to stop. */
  async [kServerFactory](host: string | undefined, port: number | undefined): Promise<AppServer> {
    const runner = new ServerRunner(this);
    await runner.setup();
    const site = new TCPSite(runner, host, port);
    await site.start();
    return new AppServer(runner, site);
  }
}
