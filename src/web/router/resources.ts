/**
 * Resources and routes, as aiohttp's `web_urldispatcher`: a resource is a
 * path (plain, dynamic, or a sub-application's prefix) and holds one route
 * per method.
 * @module
 */
import { checkOptions } from '../../core/options.js';
import { URL_FOR_OPTIONS } from '../option-names.js';
import { describe } from '../../core/validate.js';
import type { Handler, Middleware } from '../types.js';
import { isToken } from '../headers.js';
import { literalMatchForm, quoteLiteral, quoteValue } from './path-encoding.js';
import { toHandler, type ViewClass } from './view.js';
import { compilePattern, type CompiledPattern, type MatchStep } from './pattern.js';

/** One method of one resource, and its handler. */
export class ResourceRoute {
  /** The HTTP method, upper case, or '*'. */
  readonly method: string;
  /** The handler as registered. */
  readonly handler: Handler;
  /** The resource the route belongs to. */
  readonly resource: Resource;
  /** @internal The handler wrapped in the app's middlewares (set when the app freezes). */
  _chain: Handler;

  /** @internal */
  constructor(method: string, handler: Handler, resource: Resource) {
    this.method = method;
    this.handler = handler;
    this.resource = resource;
    this._chain = handler;
  }

  /** The route's resource name, or null. */
  get name(): string | null {
    return this.resource.name;
  }

  /** @internal */
  _compose(middlewares: readonly Middleware[]): void {
    this._chain = compose(middlewares, this.handler);
  }
}

/** @internal Wrap `handler` in `middlewares`, the first one outermost. */
export function compose(middlewares: readonly Middleware[], handler: Handler): Handler {
  let h = handler;
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const mw = middlewares[i] as Middleware;
    const next = h;
    h = (request) => mw(request, next);
  }
  return h;
}

/** @internal What a resource needs of the router holding it. */
export interface ResourceOwner {
  /** The prefixes of the sub-applications the router is mounted in, outermost first ('' at the root). */
  readonly _prefix: string;
}

/**
 * @internal The literal path a resource sits under in the router's index, as
 * aiohttp keys it: the literal text before the first parameter, cut back to
 * its last `/`, without trailing slashes ('/' when nothing is left).
 */
export function indexKey(literalPrefix: string, dynamic: boolean): string {
  let end = dynamic ? literalPrefix.lastIndexOf('/') : literalPrefix.length;
  while (end > 0 && literalPrefix.charCodeAt(end - 1) === 47) end--;
  return end <= 0 ? '/' : literalPrefix.slice(0, end);
}

/** Base of the resources a router holds. */
export abstract class Resource {
  /** The name given at registration (for `router.get(name)`), or null. */
  readonly name: string | null;
  /** @internal The router holding the resource, for the sub-application prefix of `urlFor`. */
  _owner: ResourceOwner | null = null;
  readonly #routes = new Map<string, ResourceRoute>();
  #any: ResourceRoute | undefined = undefined;

  /** @internal */
  constructor(name: string | null) {
    this.name = name;
  }

  /** The path as registered (without a sub-application prefix). */
  abstract get canonical(): string;

  /** @internal The key of the router's index this resource is found under. */
  abstract get _key(): string;

  /** @internal The prefix `urlFor` puts before the path. */
  get _urlPrefix(): string {
    return this._owner === null ? '' : quoteLiteral(this._owner._prefix);
  }

  /** Build a URL path for this resource. */
  abstract urlFor(parts?: Readonly<Record<string, string>>, options?: UrlForOptions): string;

  /** Add a route for `method` ('*' for any). */
  addRoute(method: string, handler: Handler | ViewClass): ResourceRoute {
    if (typeof method !== 'string' || (method !== '*' && !isToken(method))) throw new TypeError(`addRoute(): method must be an HTTP method or '*', got ${describe(method)}`);
    handler = toHandler(`addRoute(): ${method} ${this.canonical}`, handler);
    const m = method.toUpperCase();
    // As aiohttp: after '*' no method can be reached; '*' after methods only takes the rest.
    if (this.#any !== undefined) throw new Error(`addRoute(): added route will never be executed, method * is already registered for ${this.canonical}`);
    if (m === '*') return (this.#any = new ResourceRoute(m, handler, this));
    if (this.#routes.has(m)) throw new Error(`addRoute(): added route will never be executed, method ${m} is already registered for ${this.canonical}`);
    const route = new ResourceRoute(m, handler, this);
    this.#routes.set(m, route);
    return route;
  }

  /** Every route of the resource. */
  get routes(): ResourceRoute[] {
    const out = [...this.#routes.values()];
    if (this.#any !== undefined) out.push(this.#any);
    return out;
  }

  /** @internal The route for `method`, if any. */
  _route(method: string): ResourceRoute | undefined {
    return this.#routes.get(method) ?? this.#any;
  }

  /** @internal Add this resource's methods to `allowed`. */
  _allowed(allowed: Set<string>): void {
    for (const m of this.#routes.keys()) allowed.add(m);
  }
}

/** Options of `urlFor`. */
export interface UrlForOptions {
  /** A query string to append. */
  readonly query?: Readonly<Record<string, string>> | URLSearchParams;
}

/** A path without parameters, found through a map. */
export class PlainResource extends Resource {
  #path: string;
  /** @internal The path in matched form (percent-escapes decoded but `%2F`, `%25`). */
  _match: string;
  readonly #key: string;

  /** @internal */
  constructor(path: string, name: string | null) {
    super(name);
    this.#path = path;
    this._match = literalMatchForm('addResource()', path);
    this.#key = indexKey(this._match, false);
  }

  override get canonical(): string {
    return this.#path;
  }

  override get _key(): string {
    return this.#key;
  }

  /** @internal In the root app the empty path is '/' (in a sub-app it is the prefix itself), as aiohttp. */
  _rootEmpty(): void {
    if (this.#path === '') this.#path = this._match = '/';
  }

  override urlFor(parts?: Readonly<Record<string, string>>, options?: UrlForOptions): string {
    if (parts !== undefined && Object.keys(parts).length > 0) throw new TypeError(`urlFor(): ${this.#path} takes no parameters`);
    return withQuery((this._urlPrefix + quoteLiteral(this._match)) || '/', options);
  }
}

/** A path with `{parameters}`, matched by one compiled regex. */
export class DynamicResource extends Resource {
  readonly #path: string;
  readonly #pattern: CompiledPattern;
  readonly #key: string;

  /** @internal */
  constructor(path: string, name: string | null) {
    super(name);
    this.#path = path;
    this.#pattern = compilePattern('addRoute()', path, (literal) => literalMatchForm('addRoute()', literal));
    const first = this.#pattern.parts[0];
    this.#key = indexKey(first !== undefined && 'literal' in first ? first.literal : '', true);
  }

  override get canonical(): string {
    return this.#path;
  }

  override get _key(): string {
    return this.#key;
  }

  /** @internal The decoded parameters if `path` matches, else null. */
  _match(path: string): Record<string, string> | null {
    const steps = this.#pattern.steps;
    if (steps !== null) return matchSteps(steps, this.#pattern.names, path);
    const m = this.#pattern.regex.exec(path);
    if (m === null) return null;
    const groups = m.groups as Record<string, string>;
    const names = this.#pattern.names;
    const out: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) out[names[i] as string] = unescapeSafe(groups[`__${i}`] as string);
    return out;
  }

  override urlFor(parts?: Readonly<Record<string, string>>, options?: UrlForOptions): string {
    let out = this._urlPrefix;
    for (const p of this.#pattern.parts) {
      if ('literal' in p) {
        out += quoteLiteral(p.literal);
        continue;
      }
      const v = parts?.[p.param];
      if (typeof v !== 'string') throw new TypeError(`urlFor(): parameter ${p.param} of ${this.#path} must be a string, got ${describe(v)}`);
      // The matcher sees the path with only `/` and `%` still escaped.
      const seen = p.slashes ? v.replace(/%/g, '%25') : v.replace(/%/g, '%25').replace(/\//g, '%2F');
      if (!p.check.test(seen)) throw new RangeError(`urlFor(): parameter ${p.param} of ${this.#path} is ${JSON.stringify(v)}, which the route does not match`);
      out += quoteValue(v, p.slashes);
    }
    return withQuery(out, options);
  }
}

/** The regex-free twin of `^lit([^{}/]+)/lit...$` (see `plainSteps`). */
function matchSteps(steps: readonly MatchStep[], names: readonly string[], path: string): Record<string, string> | null {
  let pos = 0;
  let out: Record<string, string> | null = null;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as MatchStep;
    if (typeof step === 'string') {
      if (!path.startsWith(step, pos)) return null;
      pos += step.length;
      continue;
    }
    let end = path.indexOf('/', pos);
    if (end === -1) end = path.length;
    if (end === pos) return null;
    const value = path.slice(pos, end);
    if (value.includes('{') || value.includes('}')) return null;
    (out ??= {})[names[step] as string] = unescapeSafe(value);
    pos = end;
  }
  return pos === path.length ? (out ?? {}) : null;
}

/** @internal Undo what the server kept escaped in the path it matches on. */
export function unescapeSafe(s: string): string {
  return s.includes('%') ? s.replace(/%2F/gi, '/').replace(/%25/g, '%') : s;
}

function withQuery(path: string, options: UrlForOptions | undefined): string {
  checkOptions('urlFor()', options, URL_FOR_OPTIONS);
  const q = options?.query;
  if (q === undefined) return path;
  const s = (q instanceof URLSearchParams ? q : new URLSearchParams(q)).toString();
  return s === '' ? path : `${path}?${s}`;
}
