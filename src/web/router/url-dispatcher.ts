/**
 * The router, as aiohttp 3.10+'s `UrlDispatcher`. Every resource is indexed
 * under its literal prefix (a plain path under itself); a request walks its
 * path back one segment at a time, longest prefix first, and tries only the
 * resources under each, in registration order. A plain path is one map
 * lookup.
 * @module
 */
import { InvalidStateError } from '../../core/errors.js';
import { checkOptions } from '../../core/options.js';
import { GET_ROUTE_OPTIONS, ROUTE_OPTIONS } from '../option-names.js';
import { describe } from '../../core/validate.js';
import { HTTPMethodNotAllowed, HTTPNotFound } from '../exceptions.js';
import type { Application } from '../application.js';
import type { Request } from '../request.js';
import type { Handler, Middleware } from '../types.js';
import { literalMatchForm } from './path-encoding.js';
import { isDynamic } from './pattern.js';
import { compose, DynamicResource, PlainResource, Resource, type ResourceRoute } from './resources.js';
import type { RouteParams } from './route-params.js';
import type { RouteDef } from './route-table-def.js';
import { StaticResource, type StaticOptions } from './static-resource.js';
import { toHandler, viewHandler, type ViewClass } from './view.js';

/** Options of `addRoute` and friends. */
export interface RouteOptions {
  /** A name, to find the resource again with `router.get(name)`. */
  readonly name?: string;
}

/** Options of `addGet`. */
export interface GetRouteOptions extends RouteOptions {
  /** Also answer HEAD. @default true */
  readonly allowHead?: boolean;
}

/** What the router can route into: a sub-application (not exported from the package). */
export interface SubApp {
  readonly router: UrlDispatcher;
}

/** The resource of a sub-application mounted at a prefix. */
export class PrefixedSubAppResource extends Resource {
  readonly #prefix: string;
  /** @internal The prefix in matched form. */
  readonly _match: string;
  /** The sub-application. */
  readonly app: SubApp;

  /** @internal */
  constructor(prefix: string, app: SubApp) {
    super(null);
    this.#prefix = prefix;
    this._match = literalMatchForm('addSubapp()', prefix);
    this.app = app;
  }

  override get canonical(): string {
    return this.#prefix;
  }

  override get _key(): string {
    return this._match;
  }

  override urlFor(): string {
    throw new TypeError(`urlFor(): ${this.#prefix} is a sub-application; call urlFor on one of its resources`);
  }
}

/** @internal Where the router leaves what it found. */
export interface MatchSink {
  params: Readonly<Record<string, string>>;
  allowed: Set<string> | null;
  /** The router that owns the route (or the error), for its middleware chain. */
  router: UrlDispatcher;
}

type Indexed = PlainResource | DynamicResource | StaticResource | PrefixedSubAppResource;

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
// A route name is identifiers joined by '.', ':' or '-' (aiohttp's rule, Python's identifiers).
const NAME_SEPARATOR = /[.:-]/;
const IDENTIFIER = /^[\p{XID_Start}_]\p{XID_Continue}*$/u;

/**
 * The router of an {@link Application}, as `app.router`.
 * @example
 * app.router.addGet('/hello/{name}', hello, { name: 'hello' });
 * app.router.get('hello').urlFor({ name: 'world' }); // '/hello/world'
 */
export class UrlDispatcher {
  readonly #resources: Resource[] = [];
  readonly #named = new Map<string, Resource>();
  readonly #index = new Map<string, Indexed[]>();
  // keyLengths[n] is 1 when a key of length n is indexed: the walk slices the path only there.
  #keyLengths = new Uint8Array(32);
  #frozen = false;
  /** @internal The prefixes this router is mounted under, in matched form ('' at the root). */
  _prefix = '';
  /** @internal The application owning this router. */
  _app: Application | null = null;
  /** @internal The composed chain for 404/405 in this router's app. */
  _errorChain: Handler = routingError;

  /** Add (or reuse the last) resource for `path`. */
  addResource(path: string, options?: RouteOptions): Resource {
    checkOptions('addResource()', options, ROUTE_OPTIONS);
    return this.#resource(path, options?.name ?? null);
  }

  #resource(path: string, name: string | null): Resource {
    this.#checkNotFrozen('addResource()');
    if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw new TypeError(`addResource(): path must be a string starting with "/" (or empty), got ${describe(path)}`);
    if (name !== null) checkName(name);
    const last = this.#resources[this.#resources.length - 1];
    if (last !== undefined && (last instanceof PlainResource || last instanceof DynamicResource) && last.canonical === path && (name === null || last.name === name)) return last;
    if (name !== null && this.#named.has(name)) throw new Error(`addResource(): duplicate resource name ${JSON.stringify(name)}`);
    const resource = isDynamic(path) ? new DynamicResource(path, name) : new PlainResource(path, name);
    this.#register(resource);
    if (name !== null) this.#named.set(name, resource);
    return resource;
  }

  // One route, its options checked under the public method's name; the
  // handler is checked before the resource exists, so a refused handler
  // leaves no empty resource behind.
  #route(where: string, method: string, path: string, handler: Handler | ViewClass, options: RouteOptions | undefined): ResourceRoute {
    checkOptions(`${where}()`, options, ROUTE_OPTIONS);
    const h = toHandler(`${where}(): ${String(method)} ${String(path)}`, handler);
    return this.#resource(path, options?.name ?? null).addRoute(method, h);
  }

  /**
   * Add a route: `addRoute('GET', '/hello/{name}', hello)`. The handler's
   * `request.matchInfo` is typed from the path (`{ readonly name: string }`).
   */
  addRoute<Path extends string>(method: string, path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.#route('addRoute', method, path, handler, options);
  }

  /** GET (and HEAD unless `allowHead: false`). */
  addGet<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: GetRouteOptions): ResourceRoute {
    checkOptions('addGet()', options, GET_ROUTE_OPTIONS);
    const h = toHandler(`addGet(): ${String(path)}`, handler);
    const resource = this.#resource(path, options?.name ?? null);
    if (options?.allowHead !== false) resource.addRoute('HEAD', h);
    return resource.addRoute('GET', h);
  }

  /** HEAD. */
  addHead<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.#route('addHead', 'HEAD', path, handler, options);
  }

  /** POST. */
  addPost<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.#route('addPost', 'POST', path, handler, options);
  }

  /** PUT. */
  addPut<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.#route('addPut', 'PUT', path, handler, options);
  }

  /** PATCH. */
  addPatch<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.#route('addPatch', 'PATCH', path, handler, options);
  }

  /** DELETE. */
  addDelete<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.#route('addDelete', 'DELETE', path, handler, options);
  }

  /**
   * Serve the files of `directory` under `prefix` (GET and HEAD), as
   * aiohttp's `add_static`. Nothing outside the folder is served; see
   * {@link StaticOptions} for folder listings, symlinks and versioned URLs.
   * @example
   * app.router.addStatic('/static', './public', { name: 'static' });
   * app.router.get('static').urlFor({ filename: 'app.js' }); // '/static/app.js'
   */
  addStatic(prefix: string, directory: string, options?: StaticOptions): StaticResource {
    this.#checkNotFrozen('addStatic()');
    const name = options?.name;
    if (name !== undefined) {
      checkName(name);
      if (this.#named.has(name)) throw new Error(`addStatic(): duplicate resource name ${JSON.stringify(name)}`);
    }
    const resource = new StaticResource(prefix, directory, options);
    this.#register(resource);
    if (name !== undefined) this.#named.set(name, resource);
    return resource;
  }

  /** A class-based view answering every method it defines. */
  addView(path: string, view: ViewClass, options?: RouteOptions): ResourceRoute {
    return this.#route('addView', '*', path, viewHandler(view), options);
  }

  /** Register route definitions (a `RouteTableDef` or `[web.get(...), ...]`). */
  addRoutes(routes: Iterable<RouteDef>): ResourceRoute[] {
    if (routes === null || typeof (routes as Partial<Iterable<RouteDef>>)[Symbol.iterator] !== 'function') throw new TypeError(`addRoutes(): routes must be a RouteTableDef or an array of route definitions, got ${describe(routes)}`);
    const out: ResourceRoute[] = [];
    for (const def of routes) out.push(...def.register(this));
    return out;
  }

  /** The resource registered as `name`; throws if there is none. */
  get(name: string): Resource {
    const r = this.#named.get(name);
    if (r === undefined) throw new RangeError(`router.get(): no resource named ${JSON.stringify(name)}`);
    return r;
  }

  /** Named resources by name. */
  namedResources(): ReadonlyMap<string, Resource> {
    return this.#named;
  }

  /** Every resource, in registration order. */
  resources(): readonly Resource[] {
    return this.#resources;
  }

  /** Every route, in registration order. */
  routes(): ResourceRoute[] {
    return this.#resources.flatMap((r) => r.routes);
  }

  /** @internal Mount a sub-application. */
  _addSubApp(prefix: string, app: SubApp): PrefixedSubAppResource {
    this.#checkNotFrozen('addSubapp()');
    const resource = new PrefixedSubAppResource(prefix, app);
    this.#register(resource);
    app.router._mountAt(this._prefix + resource._match);
    return resource;
  }

  /** @internal Record where this router is mounted (its sub-applications' routers follow). */
  _mountAt(prefix: string): void {
    this._prefix = prefix;
    for (const r of this.#resources) if (r instanceof PrefixedSubAppResource) r.app.router._mountAt(prefix + r._match);
  }

  /** @internal Compose every route's chain; no registration after this. */
  _freeze(middlewares: readonly Middleware[]): void {
    this.#frozen = true;
    this._errorChain = compose(middlewares, routingError);
    const root = this._prefix === '';
    for (const r of this.#resources) {
      if (root && r instanceof PlainResource) r._rootEmpty();
      for (const route of r.routes) route._compose(middlewares);
    }
  }

  /**
   * @internal Find the route for `method` and `path` (the path as matched:
   * decoded, with %2F and %25 kept). Null means 404, or 405 when
   * `sink.allowed` is set.
   */
  _resolve(method: string, path: string, sink: MatchSink): ResourceRoute | null {
    sink.router = this;
    sink.allowed = null;
    sink.params = NO_PARAMS;
    const index = this.#index;
    const lengths = this.#keyLengths;
    let allowed: Set<string> | null = null;
    // A sub-application sees '' for its prefix itself, which its index holds under '/'.
    let end = path.length === 0 ? 1 : path.length;
    let key: string | null = end < lengths.length && lengths[end] === 1 ? (path.length === 0 ? '/' : path) : null;
    for (;;) {
      const list = key === null ? undefined : index.get(key);
      if (list !== undefined) {
        for (let i = 0; i < list.length; i++) {
          const c = list[i] as Indexed;
          let params: Readonly<Record<string, string>> | null = NO_PARAMS;
          if (c instanceof PlainResource) {
            if (c._match !== path) continue;
          } else if (c instanceof DynamicResource) {
            params = c._match(path);
            if (params === null) continue;
          } else if (c instanceof StaticResource) {
            const filename = c._filename(path);
            if (filename === null) continue;
            params = { filename };
          } else {
            // The walk reached the prefix: the sub-application's answer is final, as in aiohttp.
            return c.app.router._resolve(method, path.slice(c._match.length), sink);
          }
          const route = c._route(method);
          if (route !== undefined) {
            sink.params = params;
            return route;
          }
          c._allowed((allowed ??= new Set()));
        }
      }
      if (end <= 1) break;
      // One segment back, as aiohttp's rpartition('/'), looking up only lengths some key has.
      // (A charCodeAt loop: V8 inlines it, where lastIndexOf is a builtin call.)
      do end--;
      while (end > 0 && path.charCodeAt(end) !== 47);
      if (end <= 0) {
        end = 1;
        key = lengths[1] === 1 ? '/' : null;
      } else {
        key = end < lengths.length && lengths[end] === 1 ? path.slice(0, end) : null;
      }
    }
    sink.allowed = allowed;
    return null;
  }

  #register(resource: Indexed): void {
    resource._owner = this;
    this.#resources.push(resource);
    const key = resource._key;
    let list = this.#index.get(key);
    if (list === undefined) this.#index.set(key, (list = []));
    list.push(resource);
    if (key.length >= this.#keyLengths.length) {
      const grown = new Uint8Array(Math.max(key.length + 1, this.#keyLengths.length * 2));
      grown.set(this.#keyLengths);
      this.#keyLengths = grown;
    }
    this.#keyLengths[key.length] = 1;
  }

  #checkNotFrozen(where: string): void {
    if (this.#frozen) throw new InvalidStateError(`${where}: cannot register a resource into a frozen router (the app has started)`);
  }
}

function checkName(name: unknown): void {
  if (typeof name !== 'string') throw new TypeError(`addResource(): name must be a string, got ${describe(name)}`);
  for (const part of name.split(NAME_SEPARATOR)) {
    if (!IDENTIFIER.test(part)) throw new TypeError(`addResource(): route name ${JSON.stringify(name)} must be identifiers separated by '.', ':' or '-'`);
  }
}

function routingError(request: Request): never {
  const allowed = request._allowed;
  if (allowed !== null) throw new HTTPMethodNotAllowed(request.method, allowed);
  throw new HTTPNotFound();
}
