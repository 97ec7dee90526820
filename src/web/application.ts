/**
 * `Application`, as aiohttp's `web.Application`: a router, typed state,
 * middlewares, lifecycle signals and sub-applications.
 * @module
 */
import { InvalidStateError } from '../core/errors.js';
import { kServerFactory, type ServerFactory } from '../core/loop.js';
import { describe, toInt } from '../core/validate.js';
import type { AppKey } from './app-key.js';
import { UrlDispatcher, type PrefixedSubAppResource } from './router/url-dispatcher.js';
import { AppRunner, AppServer, TCPSite, type RunnerOptions } from './runner.js';
import { Signal } from './signal.js';
import type { Handler, Middleware } from './types.js';
import { checkOptions, knownOptions } from '../core/options.js';
import { RUNNER_OPTIONS, SERVER_ALIASES } from './option-names.js';

const APPLICATION_OPTIONS = knownOptions('middlewares', 'clientMaxSize', 'handlerArgs');

/** Options of {@link Application}. */
export interface ApplicationOptions {
  /** Middlewares, outermost first. */
  readonly middlewares?: readonly Middleware[];
  /** Largest request body `read()`/`text()`/`json()`/`post()` accept, in bytes; larger gets 413. @default 1048576 */
  readonly clientMaxSize?: number;
  /** Default server options for runners of this app (as aiohttp's `handler_args`). */
  readonly handlerArgs?: RunnerOptions;
}

/** A cleanup context: code before `yield` runs at startup, after it at cleanup. */
export type CleanupContext = (app: Application) => AsyncGenerator<unknown, unknown, unknown>;

/**
 * The web application.
 * @example
 * const app = new Application();
 * app.router.addGet('/', async () => new Response({ text: 'hello' }));
 * runApp(app, { port: 8080 });
 */
export class Application {
  /** The router. */
  readonly router = new UrlDispatcher();
  /** Called with the app when it starts, in order. */
  readonly onStartup = new Signal<Application>('onStartup');
  /** Called when the server stops accepting, before in-flight requests are awaited. */
  readonly onShutdown = new Signal<Application>('onShutdown');
  /** Called last, after every request is done. */
  readonly onCleanup = new Signal<Application>('onCleanup');
  /** Cleanup contexts (async generator functions), as aiohttp's `cleanup_ctx`. */
  readonly cleanupCtx: CleanupContext[] = [];
  /** The middlewares, outermost first. */
  readonly middlewares: readonly Middleware[];
  /** @internal */
  readonly _clientMaxSize: number;
  /** @internal */
  readonly _handlerArgs: RunnerOptions | undefined;
  readonly #state = new Map<AppKey<unknown>, unknown>();
  readonly #subapps: { prefix: string; app: Application; resource: PrefixedSubAppResource }[] = [];
  // Routes, middlewares and signals are fixed before onStartup runs; the
  // state only after it, so startup code can store what it opened (as aiohttp).
  #frozen = false;
  #stateFrozen = false;
  #parent: Application | null = null;
  #ctxRunning: AsyncGenerator<unknown, unknown, unknown>[] = [];

  constructor(options?: ApplicationOptions) {
    checkOptions('Application()', options, APPLICATION_OPTIONS);
    const mws: unknown = options?.middlewares ?? [];
    if (!Array.isArray(mws)) throw new TypeError(`Application(): middlewares must be an array of functions, got ${describe(mws)}`);
    const list: Middleware[] = [];
    for (const mw of mws as unknown[]) {
      if (typeof mw !== 'function') throw new TypeError(`Application(): each middleware must be a function, got ${describe(mw)}`);
      list.push(mw as Middleware);
    }
    this.middlewares = Object.freeze(list);
    this._clientMaxSize = options?.clientMaxSize === undefined ? 1024 * 1024 : toInt('Application()', 'clientMaxSize', options.clientMaxSize, 0);
    checkOptions('Application(): handlerArgs', options?.handlerArgs, RUNNER_OPTIONS, SERVER_ALIASES);
    this._handlerArgs = options?.handlerArgs;
    this.router._app = this;
    // As aiohttp: cleanup contexts start before, and clean up before, the callbacks added later.
    this.onStartup.push(startContexts);
    this.onCleanup.push(cleanupContexts);
  }

  /** The value stored under `key`; throws if absent (use `has` first, or `getOr`). */
  get<T>(key: AppKey<T>): T {
    if (!this.#state.has(key)) throw new RangeError(`Application.get(): no value for ${String(key)}`);
    return this.#state.get(key) as T;
  }

  /** The value stored under `key`, or `fallback`. */
  getOr<T, D>(key: AppKey<T>, fallback: D): T | D {
    return this.#state.has(key) ? (this.#state.get(key) as T) : fallback;
  }

  /** True when `key` has a value. */
  has(key: AppKey<unknown>): boolean {
    return this.#state.has(key);
  }

  /** Store `value` under `key`: before the app starts, or in `onStartup`/`cleanupCtx`. */
  set<T>(key: AppKey<T>, value: T): void {
    if (this.#stateFrozen) throw new InvalidStateError(`Application.set(): the state is frozen once the app has started (key ${String(key)})`);
    this.#state.set(key, value);
  }

  /** Remove `key`: before the app starts, or in `onStartup`/`cleanupCtx`. */
  delete(key: AppKey<unknown>): boolean {
    if (this.#stateFrozen) throw new InvalidStateError(`Application.delete(): the state is frozen once the app has started (key ${String(key)})`);
    return this.#state.delete(key);
  }

  /** @internal The outermost application this one is mounted in (itself when it is not a sub-application). */
  get _root(): Application {
    return this.#parent === null ? this : this.#parent._root;
  }

  /** True once the app is starting: routes, middlewares and signals are fixed (the state is, once `onStartup` is done). */
  get frozen(): boolean {
    return this.#frozen;
  }

  /**
   * Mount `subapp` under `prefix` (e.g. '/admin'). Its middlewares run inside
   * this app's; its signals run with this app's.
   */
  addSubapp(prefix: string, subapp: Application): PrefixedSubAppResource {
    if (this.#frozen) throw new InvalidStateError('addSubapp(): cannot add a sub-application once the app has started');
    if (!(subapp instanceof Application)) throw new TypeError(`addSubapp(): subapp must be an Application, got ${describe(subapp)}`);
    if (subapp.#parent !== null || subapp.#frozen) throw new InvalidStateError('addSubapp(): this sub-application is already mounted or started');
    // Trailing slashes go, as aiohttp's rstrip('/'): the prefix is what the router's walk reaches.
    const p = typeof prefix === 'string' ? prefix.replace(/\/+$/, '') : '';
    if (!p.startsWith('/') || p.includes('{')) throw new TypeError(`addSubapp(): prefix must be a path like "/admin", got ${describe(prefix)}`);
    const resource = this.router._addSubApp(p, subapp);
    subapp.#parent = this;
    this.#subapps.push({ prefix: p, app: subapp, resource });
    this.onStartup.push(() => subapp.onStartup.send(subapp));
    this.onShutdown.push(() => subapp.onShutdown.send(subapp));
    this.onCleanup.push(() => subapp.onCleanup.send(subapp));
    return resource;
  }

  /** Fix routes, middlewares, signals and state; done for you when the app starts. */
  freeze(): void {
    this.#freezeRoutes();
    this.#freezeState();
  }

  #freezeRoutes(): void {
    if (this.#parent !== null && !this.#parent.#frozen) throw new InvalidStateError('freeze(): freeze the parent application, not the sub-application');
    this.#freeze([]);
  }

  #freezeState(): void {
    this.#stateFrozen = true;
    for (const s of this.#subapps) s.app.#freezeState();
  }

  #freeze(outer: readonly Middleware[]): void {
    if (this.#frozen) return;
    this.#frozen = true;
    this.onStartup._freeze();
    this.onShutdown._freeze();
    this.onCleanup._freeze();
    Object.freeze(this.cleanupCtx);
    // `request.app` is the app whose middleware or handler is running, as in
    // aiohttp: where an outer app's middlewares run first, each layer sets it
    // on the way in and restores it on the way out. Apps whose ancestors
    // have no middlewares pay nothing (the server sets the route's own app).
    const own = outer.length === 0 ? this.middlewares : [...outer, currentApp(this), ...this.middlewares];
    this.router._freeze(own);
    const inner = this.middlewares.length === 0 ? outer : [...outer, currentApp(this), ...this.middlewares];
    for (const s of this.#subapps) s.app.#freeze(inner);
  }

  /**
   * Run `onStartup`. Runners call this. Routes, middlewares and signals are
   * fixed first; the state stays writable until the callbacks (and the code
   * before `yield` in `cleanupCtx`) are done, so they can `set()` what they open.
   */
  async startup(): Promise<void> {
    this.#freezeRoutes();
    await this.onStartup.send(this);
    this.#freezeState();
  }

  /** Run `onShutdown`. Runners call this. */
  async shutdown(): Promise<void> {
    await this.onShutdown.send(this);
  }

  /** Run `onCleanup`. Runners call this. */
  async cleanup(): Promise<void> {
    await this.onCleanup.send(this);
  }

  /**
   * A server factory for the seed's old style:
   * `await loop.createServer(app.makeHandler(), '127.0.0.1', 8000)`.
   */
  makeHandler(options?: RunnerOptions): ServerFactory<AppServer> {
    // Checked now: the runner is only made when the loop's createServer calls the factory.
    checkOptions('Application.makeHandler()', options, RUNNER_OPTIONS, SERVER_ALIASES);
    const app = this;
    return {
      async [kServerFactory](host, port): Promise<AppServer> {
        const runner = new AppRunner(app, options);
        await runner.setup();
        const site = new TCPSite(runner, host, port);
        await site.start();
        return new AppServer(runner, site);
      },
    };
  }

  /** @internal */
  static async _startContexts(app: Application): Promise<void> {
    for (const ctx of app.cleanupCtx) {
      const it = ctx(app);
      await it.next();
      app.#ctxRunning.push(it);
    }
  }

  /** @internal */
  static async _cleanupContexts(app: Application): Promise<void> {
    const errors: unknown[] = [];
    const running = app.#ctxRunning.reverse();
    app.#ctxRunning = [];
    for (const it of running) {
      try {
        const r = await it.next();
        if (r.done !== true) errors.push(new InvalidStateError(`cleanupCtx: ${it.constructor.name} has more than one yield`));
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'Multiple errors on cleanup stage');
  }
}

function startContexts(app: Application): Promise<void> {
  return Application._startContexts(app);
}

function cleanupContexts(app: Application): Promise<void> {
  return Application._cleanupContexts(app);
}

/** A middleware that makes `app` the request's current app while the inner chain runs. */
function currentApp(app: Application): Middleware {
  return (request, handler) => {
    const prev = request._app;
    request._app = app;
    let result: ReturnType<Handler>;
    try {
      result = handler(request);
    } catch (e) {
      request._app = prev;
      throw e;
    }
    return Promise.resolve(result).finally(() => {
      request._app = prev;
    });
  };
}
