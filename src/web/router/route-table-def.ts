/**
 * Route definitions, as aiohttp's `web.get(...)` and `RouteTableDef`. TS
 * has no decorators on functions, so `routes.get('/path')` returns a wrapper
 * that registers the function and gives it back.
 * @module
 */
import { checkOptions } from '../../core/options.js';
import { GET_ROUTE_OPTIONS, ROUTE_OPTIONS } from '../option-names.js';
import type { Handler } from '../types.js';
import type { ResourceRoute } from './resources.js';
import type { RouteParams } from './route-params.js';
import type { GetRouteOptions, RouteOptions, UrlDispatcher } from './url-dispatcher.js';
import { STATIC_OPTIONS, type StaticOptions } from './static-resource.js';
import { toHandler, type ViewClass } from './view.js';

/** Something `router.addRoutes` can register. */
export interface RouteDef {
  /** @internal Add itself to `router`. */
  register(router: UrlDispatcher): ResourceRoute[];
}

class MethodRouteDef implements RouteDef {
  readonly #method: string;
  readonly #path: string;
  readonly #handler: Handler;
  readonly #options: GetRouteOptions | undefined;
  constructor(method: string, path: string, handler: Handler | ViewClass, options: GetRouteOptions | undefined) {
    this.#method = method;
    this.#path = path;
    // Refused where it is written (web.get(...)), not later in addRoutes().
    const where = `web.${method === 'DELETE' ? 'delete' : method === '*' ? 'route' : method.toLowerCase()}()`;
    checkOptions(where, options, method === 'GET' ? GET_ROUTE_OPTIONS : ROUTE_OPTIONS);
    this.#handler = toHandler(`${where}: ${String(path)}`, handler);
    this.#options = options;
  }

  register(router: UrlDispatcher): ResourceRoute[] {
    if (this.#method === 'GET') {
      const name = this.#options?.name;
      const resource = router.addResource(this.#path, name === undefined ? undefined : { name });
      const out: ResourceRoute[] = [];
      if (this.#options?.allowHead !== false) out.push(resource.addRoute('HEAD', this.#handler));
      out.push(resource.addRoute('GET', this.#handler));
      return out;
    }
    return [router.addRoute(this.#method, this.#path, this.#handler, this.#options)];
  }
}

class ViewRouteDef implements RouteDef {
  readonly #path: string;
  readonly #view: ViewClass;
  readonly #options: RouteOptions | undefined;
  constructor(path: string, view: ViewClass, options: RouteOptions | undefined) {
    checkOptions('web.view()', options, ROUTE_OPTIONS);
    this.#path = path;
    this.#view = view;
    this.#options = options;
  }

  register(router: UrlDispatcher): ResourceRoute[] {
    return [router.addView(this.#path, this.#view, this.#options)];
  }
}

class StaticDef implements RouteDef {
  readonly #prefix: string;
  readonly #directory: string;
  readonly #options: StaticOptions | undefined;
  constructor(prefix: string, directory: string, options: StaticOptions | undefined) {
    checkOptions('web.static()', options, STATIC_OPTIONS);
    this.#prefix = prefix;
    this.#directory = directory;
    this.#options = options;
  }

  register(router: UrlDispatcher): ResourceRoute[] {
    return router.addStatic(this.#prefix, this.#directory, this.#options).routes;
  }
}

/** A route definition for `method` (aiohttp's `web.route`); `request.matchInfo` is typed from the path. */
export function route<Path extends string>(method: string, path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): RouteDef {
  return new MethodRouteDef(method.toUpperCase(), path, handler, options);
}
/** GET (and HEAD unless `allowHead: false`), as `web.get`. @example app.router.addRoutes([web.get('/', index)]); */
export function get<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: GetRouteOptions): RouteDef {
  return new MethodRouteDef('GET', path, handler, options);
}
/** HEAD, as `web.head`. */
export function head<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): RouteDef {
  return new MethodRouteDef('HEAD', path, handler, options);
}
/** POST, as `web.post`. */
export function post<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): RouteDef {
  return new MethodRouteDef('POST', path, handler, options);
}
/** PUT, as `web.put`. */
export function put<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): RouteDef {
  return new MethodRouteDef('PUT', path, handler, options);
}
/** PATCH, as `web.patch`. */
export function patch<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): RouteDef {
  return new MethodRouteDef('PATCH', path, handler, options);
}
/** DELETE, as `web.delete`. */
export function del<Path extends string>(path: Path, handler: Handler<RouteParams<Path>> | ViewClass, options?: RouteOptions): RouteDef {
  return new MethodRouteDef('DELETE', path, handler, options);
}
/** A class-based view, as `web.view`. */
export function view(path: string, cls: ViewClass, options?: RouteOptions): RouteDef {
  return new ViewRouteDef(path, cls, options);
}

/** A static folder, as `web.static`. @example app.router.addRoutes([web.static('/static', './public')]); */
export function staticFiles(prefix: string, directory: string, options?: StaticOptions): RouteDef {
  return new StaticDef(prefix, directory, options);
}

/**
 * A list of routes filled by wrapping handlers, as aiohttp's `RouteTableDef`.
 * @example
 * const routes = new RouteTableDef();
 * const hello = routes.get('/hello/{name}')(async (request) => new Response({ text: 'hi' }));
 * app.router.addRoutes(routes);
 */
export class RouteTableDef implements Iterable<RouteDef> {
  readonly #defs: RouteDef[] = [];

  /** Register the wrapped handler for `method`; its `request.matchInfo` is typed from the path. */
  route<Path extends string>(method: string, path: Path, options?: RouteOptions): <H extends Handler<RouteParams<Path>> | ViewClass>(handler: H) => H {
    checkOptions(`routes.${method === 'DELETE' ? 'delete' : String(method).toLowerCase()}()`, options, ROUTE_OPTIONS);
    return (handler) => {
      this.#defs.push(route(method, path, handler, options));
      return handler;
    };
  }

  /** GET (and HEAD unless `allowHead: false`). */
  get<Path extends string>(path: Path, options?: GetRouteOptions): <H extends Handler<RouteParams<Path>> | ViewClass>(handler: H) => H {
    checkOptions('routes.get()', options, GET_ROUTE_OPTIONS);
    return (handler) => {
      this.#defs.push(get(path, handler, options));
      return handler;
    };
  }

  /** HEAD. */
  head<Path extends string>(path: Path, options?: RouteOptions): <H extends Handler<RouteParams<Path>> | ViewClass>(handler: H) => H {
    return this.route('HEAD', path, options);
  }

  /** POST. */
  post<Path extends string>(path: Path, options?: RouteOptions): <H extends Handler<RouteParams<Path>> | ViewClass>(handler: H) => H {
    return this.route('POST', path, options);
  }

  /** PUT. */
  put<Path extends string>(path: Path, options?: RouteOptions): <H extends Handler<RouteParams<Path>> | ViewClass>(handler: H) => H {
    return this.route('PUT', path, options);
  }

  /** PATCH. */
  patch<Path extends string>(path: Path, options?: RouteOptions): <H extends Handler<RouteParams<Path>> | ViewClass>(handler: H) => H {
    return this.route('PATCH', path, options);
  }

  /** DELETE. */
  delete<Path extends string>(path: Path, options?: RouteOptions): <H extends Handler<RouteParams<Path>> | ViewClass>(handler: H) => H {
    return this.route('DELETE', path, options);
  }

  /** A class-based view. */
  view(path: string, options?: RouteOptions): <V extends ViewClass>(cls: V) => V {
    checkOptions('routes.view()', options, ROUTE_OPTIONS);
    return (cls) => {
      this.#defs.push(view(path, cls, options));
      return cls;
    };
  }

  /** A static folder (`routes.static(prefix, directory)`, as aiohttp's). */
  static(prefix: string, directory: string, options?: StaticOptions): void {
    this.#defs.push(staticFiles(prefix, directory, options));
  }

  /** How many definitions. */
  get length(): number {
    return this.#defs.length;
  }

  [Symbol.iterator](): Iterator<RouteDef> {
    return this.#defs[Symbol.iterator]();
  }
}
