/**
 * `ServerRunner`, as aiohttp's: runs a low-level {@link Server} on the sites
 * an `AppRunner` takes (`TCPSite`, `UnixSite`), with the same shutdown.
 * @module
 */
import { describe } from '../core/validate.js';
import { Server } from './low-level-server.js';
import { AppRunner, type RunnerOptions } from './runner.js';

/**
 * Runs a {@link Server}: `setup()`, then start sites, then `cleanup()`
 * (in-flight requests get `shutdownTimeout` seconds to finish).
 * @example
 * const runner = new ServerRunner(new Server(handler));
 * await runner.setup();
 * const site = new TCPSite(runner, '127.0.0.1', 0);
 * await site.start();
 * await runner.cleanup();
 */
export class ServerRunner extends AppRunner {
  /** The server. */
  readonly server: Server;

  constructor(server: Server, options?: RunnerOptions) {
    if (!(server instanceof Server)) throw new TypeError(`ServerRunner(): server must be a web.Server, got ${describe(server)}`);
    super(server._app, options);
    this.server = server;
  }
}
