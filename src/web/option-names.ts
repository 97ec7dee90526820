/**
 * The option names of the server's runner, sites, `runApp` and router, kept
 * apart from the classes so that `TestServer` (which passes the runner's
 * options on) checks the same list the runner does. Add a name here when an
 * option is added to one of these interfaces.
 * @internal
 * @module
 */
import { knownOptions, type KnownOptions, type OptionAliases } from '../core/options.js';

const HANDLER = ['accessLog', 'accessLogFormat', 'handlerCancellation', 'errorLog'] as const;
const RUNNER = [...HANDLER, 'shutdownTimeout', 'keepaliveTimeout', 'headersTimeout', 'requestTimeout', 'maxHeaderSize'] as const;

/** `HandlerOptions` (`app.makeHandler()`, `handlerArgs`). */
export const HANDLER_OPTIONS: KnownOptions = knownOptions(...HANDLER);
/** `RunnerOptions` (`new AppRunner(app, options)`). */
export const RUNNER_OPTIONS: KnownOptions = knownOptions(...RUNNER);
/** `RunAppOptions`. */
export const RUN_APP_OPTIONS: KnownOptions = knownOptions(...RUNNER, 'host', 'port', 'path', 'backlog', 'reusePort', 'printFn', 'handleSignals', 'workers', 'ssl');
/** `TestServerOptions`: the runner's, and where to listen. */
export const TEST_SERVER_OPTIONS: KnownOptions = knownOptions(...RUNNER, 'host', 'port', 'ssl');
/** `ServerOptions` (`new web.Server(handler, options)`): the runner's, and the body limit. */
export const LOW_LEVEL_SERVER_OPTIONS: KnownOptions = knownOptions(...RUNNER, 'clientMaxSize');
/** `TCPSiteOptions`. */
export const TCP_SITE_OPTIONS: KnownOptions = knownOptions('backlog', 'reusePort', 'ssl');
/** The options of `UnixSite`. */
export const UNIX_SITE_OPTIONS: KnownOptions = knownOptions('backlog', 'ssl');
/** `RouteOptions` (`addRoute`, `addPost`, ..., `addResource`, `RouteTableDef`). */
export const ROUTE_OPTIONS: KnownOptions = knownOptions('name');
/** `GetRouteOptions` (`addGet`, `get`). */
export const GET_ROUTE_OPTIONS: KnownOptions = knownOptions('name', 'allowHead');
/** `UrlForOptions`. */
export const URL_FOR_OPTIONS: KnownOptions = knownOptions('query');

/**
 * aiohttp's names (`run_app`, `AppRunner`, `TCPSite`, `UnixSite`) whose aiots
 * name is not their camelCase. Names aiots has no twin for (`sock`,
 * `reuse_address`, `access_log_class`) are left out: the error then lists
 * the known options.
 */
export const SERVER_ALIASES: OptionAliases = {
  ssl_context: 'ssl',
  sslContext: 'ssl',
  print: 'printFn',
  max_line_size: 'maxHeaderSize',
  max_field_size: 'maxHeaderSize',
  maxLineSize: 'maxHeaderSize',
  maxFieldSize: 'maxHeaderSize',
};
