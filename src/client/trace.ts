/**
 * `TraceConfig`, as aiohttp's client tracing: lists of hooks called at each
 * step of a request, enough to measure latency per request.
 * @module
 */
import { report } from '../core/report.js';
import { describe } from '../core/validate.js';
import type { ClientResponse } from './response.js';
import { checkOptions, knownOptions } from '../core/options.js';

const TRACE_OPTIONS = knownOptions('traceConfigCtxFactory');

/** Parameters of `onRequestStart`. */
export interface TraceRequestStartParams {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
}
/** Parameters of `onRequestEnd` (headers received) and `onRequestRedirect`. */
export interface TraceRequestEndParams extends TraceRequestStartParams {
  readonly response: ClientResponse;
}
/** Parameters of `onRequestException`. */
export interface TraceRequestExceptionParams extends TraceRequestStartParams {
  readonly exception: unknown;
}
/** Parameters of `onResponseChunkReceived`. */
export interface TraceResponseChunkParams {
  readonly method: string;
  readonly url: URL;
  readonly chunk: Buffer;
}
/** Parameters of `onConnectionCreateStart`/`End`. */
export interface TraceConnectionParams {
  readonly host: string;
  readonly port: number;
}

/**
 * A hook: `(session, traceConfigCtx, params)`, as in aiohttp; may be async.
 * `C` is the type of the per-request context (see {@link TraceConfig}).
 */
export type TraceHook<P, C extends object = Record<string, unknown>> = (session: unknown, ctx: C, params: P) => void | Promise<void>;

/** Options of {@link TraceConfig}. */
export interface TraceConfigOptions<C extends object = Record<string, unknown>> {
  /** Makes the per-request context object from the request's `traceRequestCtx`. @default `(c) => ({ traceRequestCtx: c })` */
  readonly traceConfigCtxFactory?: (traceRequestCtx: unknown) => C;
}

/**
 * The context the default factory makes: `C` must not need more than
 * `traceRequestCtx`. (`never` is what `new TraceConfig()` infers inside
 * `traceConfigs: [...]`: it fits too.)
 */
type DefaultContextFits<C extends object> = [C] extends [never] ? true
  : Partial<Omit<C, 'traceRequestCtx'>> extends Omit<C, 'traceRequestCtx'> ? true : false;

/**
 * Hooks on the steps of every request of a session. Request hooks are
 * awaited in order; connection hooks (queued, create) and chunk hooks are
 * called without waiting, as they run inside the I/O path. Connection-create
 * hooks receive a fresh context: undici opens sockets for the pool, not for one request.
 *
 * Each request's hooks share one context object, made by
 * `traceConfigCtxFactory` (aiohttp's `trace_config_ctx_factory`); its type `C`
 * is inferred from the factory, or given as `new TraceConfig<{ t0?: number }>()`
 * when every field but `traceRequestCtx` is optional, so hooks read
 * `ctx.t0` without casts (also under `noPropertyAccessFromIndexSignature`).
 * Without either, the context is a `Record<string, unknown>`.
 * @example
 * const tc = new TraceConfig({ traceConfigCtxFactory: () => ({ start: 0 }) });
 * tc.onRequestStart.push((_s, ctx) => { ctx.start = performance.now(); });
 * tc.onRequestEnd.push((_s, ctx, p) => console.log(p.url.href, performance.now() - ctx.start));
 * const session = new ClientSession({ traceConfigs: [tc] });
 * @typeParam C - the per-request context handed to every hook.
 */
export class TraceConfig<C extends object = Record<string, unknown>> {
  /** Before the request is sent (once per request, not per redirect hop). */
  readonly onRequestStart: TraceHook<TraceRequestStartParams, C>[] = [];
  /** The final response's headers received, redirects followed (once per request). */
  readonly onRequestEnd: TraceHook<TraceRequestEndParams, C>[] = [];
  /** The request failed (instead of `onRequestEnd`). */
  readonly onRequestException: TraceHook<TraceRequestExceptionParams, C>[] = [];
  /** A redirect is about to be followed (once per hop). */
  readonly onRequestRedirect: TraceHook<TraceRequestEndParams, C>[] = [];
  /** The request starts waiting for a free connection slot (the pool limit). */
  readonly onConnectionQueuedStart: TraceHook<Record<string, never>, C>[] = [];
  /** The request got its connection slot. */
  readonly onConnectionQueuedEnd: TraceHook<Record<string, never>, C>[] = [];
  /** A new socket is being opened. */
  readonly onConnectionCreateStart: TraceHook<TraceConnectionParams, C>[] = [];
  /** A new socket opened (or failed to). */
  readonly onConnectionCreateEnd: TraceHook<TraceConnectionParams, C>[] = [];
  /** A chunk of the response body arrived. */
  readonly onResponseChunkReceived: TraceHook<TraceResponseChunkParams, C>[] = [];
  // Typed apart from C so that C only appears where hooks take it: a
  // TraceConfig of any context then fits `readonly TraceConfig<never>[]`.
  readonly #factory: (traceRequestCtx: unknown) => object;

  /** Hooks whose context `traceConfigCtxFactory` makes (its return type is `C`). */
  constructor(options: TraceConfigOptions<C> & { readonly traceConfigCtxFactory: (traceRequestCtx: unknown) => C });
  /** Hooks whose context is the default `{ traceRequestCtx }` (so `C` may need nothing more). */
  constructor(...options: DefaultContextFits<C> extends true ? [options?: TraceConfigOptions<C>] : [options: never]);
  constructor(options: TraceConfigOptions<C> = {}) {
    checkOptions('TraceConfig()', options, TRACE_OPTIONS);
    const f = options.traceConfigCtxFactory ?? defaultFactory;
    if (typeof f !== 'function') throw new TypeError(`TraceConfig(): traceConfigCtxFactory must be a function, got ${describe(f)}`);
    this.#factory = f;
  }

  /** @internal */
  _makeContext(traceRequestCtx: unknown): object {
    return this.#factory(traceRequestCtx);
  }
}

function defaultFactory(traceRequestCtx: unknown): object {
  return { traceRequestCtx };
}

/** A TraceConfig of any context type (hooks take `C`, so `never` accepts all). */
type AnyTraceConfig = TraceConfig<never>;
type HookName = {
  [K in keyof TraceConfig]: TraceConfig[K] extends TraceHook<infer _P>[] ? K : never
}[keyof TraceConfig];
type ParamsOf<K extends HookName> = TraceConfig[K] extends TraceHook<infer P>[] ? P : never;

/** @internal The trace configs of one request, each with its context. */
export class RequestTrace {
  readonly #session: unknown;
  readonly #configs: readonly AnyTraceConfig[];
  readonly #ctxs: object[];

  constructor(session: unknown, configs: readonly AnyTraceConfig[], traceRequestCtx: unknown) {
    this.#session = session;
    this.#configs = configs;
    this.#ctxs = configs.map((c) => c._makeContext(traceRequestCtx));
  }

  async send<K extends HookName>(name: K, params: ParamsOf<K>): Promise<void> {
    for (let i = 0; i < this.#configs.length; i++) {
      // Each config's context came from its own factory, so it is that config's C.
      const hooks = (this.#configs[i] as AnyTraceConfig)[name] as unknown as TraceHook<ParamsOf<K>, object>[];
      for (const hook of hooks) await hook(this.#session, this.#ctxs[i] as object, params);
    }
  }

  /** Fire and forget: errors are reported, not thrown into the I/O path. */
  notify<K extends HookName>(name: K, params: ParamsOf<K>): void {
    this.send(name, params).catch((e: unknown) => report({ message: `TraceConfig.${name} hook failed`, exception: e }));
  }
}

/** @internal Connection hooks of a session: not tied to one request. */
export function notifyAll<K extends HookName>(session: unknown, configs: readonly AnyTraceConfig[], name: K, params: ParamsOf<K>): void {
  new RequestTrace(session, configs, undefined).notify(name, params);
}
