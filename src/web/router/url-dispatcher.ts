/**
 * The router, as aiohttp's `UrlDispatcher`. Plain paths are found in a map;
 * dynamic ones are indexed by their first literal segment so a request tries
 * only the resources that could match, in registration order.
 * @module
 */
import { InvalidStateError } from '../../core/errors.js';
import { describe } from '../../core/validate.js';
import { HTTPMethodNotAllowed, HTTPNotFound } from '../exceptions.js';
import type { Application } from '../application.js';
import type { Request } from '../request.js';
import type { Handler, Middleware } from '../types.js';
import { isDynamic } from './pattern.js';
import { compose, DynamicResource, PlainResource, Resource, type ResourceRoute } from './resources.js';
import type { RouteDef } from './route-table-def.js';
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
  /** The sub-application. */
  readonly app: SubApp;

  /** @internal */
  constructor(prefix: string, app: SubApp) {
    super(null);
    this.#prefix = prefix;
    this.app = app;
  }

  override get canonical(): string {
    return this.#prefix;
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

type Indexed = DynamicResource | PrefixedSubAppResource;

const EMPTY: readonly Indexed[] = [];
const NO_PLAIN: readonly PlainResource[] = [];
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The router of an {@link Application}, as `app.router`.
 * @example
 * app.router.addGet('/hello/{name}', hello, { name: 'hello' });
 * app.router.get('hello').urlFor({ name: 'world' }); // '/hello/world'
 */
export class UrlDispatcher {
  readonly #resources: Resource[] = [];
  readonly #named = new Map<string, Resource>();
  readonly #plain = new Map<string, PlainResource[]>();
  readonly #buckets = new Map<string, Indexed[]>();
  readonly #generic: Indexed[] = [];
  #dynamicCount = 0;
  #frozen = false;
  /** @internal The application owning this router. */
  _app: Application | null = null;
  /** @internal The composed chain for 404/405 in this router's app. */
  _errorChain: Handler = routingError;

  /** Add (or reuse the last) resource for `path`. */
  addResource(path: string, options?: RouteOptions): Resource {
    this.#checkNotFrozen('addResource()');
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`addResource(): path must be a string starting with "/", got ${describe(path)}`);
    const name = options?.name ?? null;
    if (name !== null && typeof name !== 'string') throw new TypeError(`addResource(): name must be a string, got ${describe(name)}`);
    const last = this.#resources[this.#resources.length - 1];
    if (last !== undefined && !(last instanceof PrefixedSubAppResource) && last.canonical === path && (name === null || last.name === name)) return last;
    if (name !== null && this.#named.has(name)) throw new Error(`addResource(): duplicate resource name ${JSON.stringify(name)}`);
    let resource: Resource;
    if (isDynamic(path)) {
      const dyn = new DynamicResource(path, name);
      this.#index(dyn, dyn._firstSegment);
      this.#dynamicCount++;
      resource = dyn;
    } else {
      const plain = new PlainResource(path, name);
      const same = this.#plain.get(path);
      if (same === undefined) this.#plain.set(path, [plain]);
      else same.push(plain);
      resource = plain;
    }
    this.#register(resource);
    if (name !== null) this.#named.set(name, resource);
    return resource;
  }

  /** Add a route: `addRoute('GET', '/hello/{name}', hello)`. */
  addRoute(method: string, path: string, handler: Handler | ViewClass, options?: RouteOptions): ResourceRoute {
    // Checked before the resource exists, so a refused handler leaves no empty resource behind.
    const h = toHandler(`addRoute(): ${String(method)} ${String(path)}`, handler);
    return this.addResource(path, options).addRoute(method, h);
  }

  /** GET (and HEAD unless `allowHead: false`). */
  addGet(path: string, handler: Handler | ViewClass, options?: GetRouteOptions): ResourceRoute {
    const h = toHandler(`addGet(): ${String(path)}`, handler);
    const resource = this.addResource(path, options);
    if (options?.allowHead !== false) resource.addRoute('HEAD', h);
    return resource.addRoute('GET', h);
  }

  /** HEAD. */
  addHead(path: string, handler: Handler | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.addRoute('HEAD', path, handler, options);
  }

  /** POST. */
  addPost(path: string, handler: Handler | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.addRoute('POST', path, handler, options);
  }

  /** PUT. */
  addPut(path: string, handler: Handler | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.addRoute('PUT', path, handler, options);
  }

  /** PATCH. */
  addPatch(path: string, handler: Handler | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.addRoute('PATCH', path, handler, options);
  }

  /** DELETE. */
  addDelete(path: string, handler: Handler | ViewClass, options?: RouteOptions): ResourceRoute {
    return this.addRoute('DELETE', path, handler, options);
  }

  /** A class-based view answering every method it defines. */
  addView(path: string, view: ViewClass, options?: RouteOptions): ResourceRoute {
    return this.addRoute('*', path, viewHandler(view), options);
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
    const end = prefix.indexOf('/', 1);
    this.#index(resource, end === -1 ? prefix.slice(1) : prefix.slice(1, end));
    this.#dynamicCount++;
    this.#register(resource);
    return resource;
  }

  /** @internal Compose every route's chain; no registration after this. */
  _freeze(middlewares: readonly Middleware[], prefix: string): void {
    this.#frozen = true;
    this._errorChain = compose(middlewares, routingError);
    for (const r of this.#resources) {
      r._prefix = prefix;
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
    const plain = this.#plain.get(path);
    if (this.#dynamicCount === 0) {
      sink.params = NO_PARAMS;
      if (plain === undefined) return null;
      let allowed: Set<string> | null = null;
      for (const p of plain) {
        const route = p._route(method);
        if (route !== undefined) return route;
        p._allowed((allowed ??= new Set()));
      }
      sink.allowed = allowed;
      return null;
    }
    const end = path.indexOf('/', 1);
    const a = this.#buckets.get(end === -1 ? path.slice(1) : path.slice(1, end)) ?? EMPTY;
    const b = this.#generic;
    const c = plain ?? NO_PLAIN;
    let i = 0;
    let j = 0;
    let k = 0;
    let allowed: Set<string> | null = null;
    for (;;) {
      // Walk the candidates (bucket, generic list, plain hits) in registration order.
      const ca = a[i];
      const cb = b[j];
      const cc = c[k];
      let next: Indexed | undefined;
      if (ca !== undefined && (cb === undefined || ca._order < cb._order)) next = ca;
      else next = cb;
      if (cc !== undefined && (next === undefined || cc._order < next._order)) {
        k++;
        const route = cc._route(method);
        if (route !== undefined) {
          sink.params = NO_PARAMS;
          return route;
        }
        cc._allowed((allowed ??= new Set()));
        continue;
      }
      if (next === undefined) break;
      if (next === ca) i++;
      else j++;
      if (next instanceof DynamicResource) {
        const params = next._match(path);
        if (params === null) continue;
        const route = next._route(method);
        if (route !== undefined) {
          sink.params = params;
          return route;
        }
        next._allowed((allowed ??= new Set()));
      } else {
        const prefix = next.canonical;
        if (path.length <= prefix.length || path.charCodeAt(prefix.length) !== 47 || !path.startsWith(prefix)) continue;
        // The prefix matched: the sub-application's answer is final, as in aiohttp.
        return next.app.router._resolve(method, path.slice(prefix.length), sink);
      }
    }
    sink.params = NO_PARAMS;
    sink.allowed = allowed;
    return null;
  }

  #index(resource: Indexed, segment: string | null): void {
    if (segment === null || segment.includes('{')) this.#generic.push(resource);
    else {
      let list = this.#buckets.get(segment);
      if (list === undefined) this.#buckets.set(segment, (list = []));
      list.push(resource);
    }
  }

  #register(resource: Resource): void {
    resource._order = this.#resources.length;
    this.#resources.push(resource);
  }

  #checkNotFrozen(where: string): void {
    if (this.#frozen) throw new InvalidStateError(`${where}: cannot register a resource into a frozen router (the app has started)`);
  }
}

function routingError(request: Request): never {
  const allowed = request._allowed;
  if (allowed !== null) throw new HTTPMethodNotAllowed(request.method, allowed);
  throw new HTTPNotFound();
}
