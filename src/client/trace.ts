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

/** A hook: `(session, traceConfigCtx, params)`, as in aiohttp; may be async. */
export type TraceHook<P> = (session: unknown, ctx: Record<string, unknown>, params: P) => void | Promise<void>;

/** Options of {@link TraceConfig}. */
export interface TraceConfigOptions {
  /** Makes the per-request context object from the request's `traceRequestCtx`. @default `(c) => ({ traceRequestCtx: c })` */
  readonly traceConfigCtxFactory?: (traceRequestCtx: unknown) => Record<string, unknown>;
}

/**
 * Hooks on the steps of every request of a session. Request hooks are
 * awaited in order; connection hooks (queued, create) and chunk hooks are
 * called without waiting, as they run inside the I/O path. Connection-create
 * hooks receive a fresh context: undici opens sockets for the pool, not for one request.
 * @example
 * const tc = new TraceConfig();
 * tc.onRequestStart.push((_s, ctx) => { ctx.start = performance.now(); });
 * tc.onRequestEnd.push((_s, ctx, p) => console.log(p.url.href, performance.now() - (ctx.start as number)));
 * const session = new ClientSession({ traceConfigs: [tc] });
 */
export class TraceConfig {
  /** Before the request is sent (once per request, not per redirect hop). */
  readonly onRequestStart: TraceHook<TraceRequestStartParams>[] = [];
  /** The final response's headers received, redirects followed (once per request). */
  readonly onRequestEnd: TraceHook<TraceRequestEndParams>[] = [];
  /** The request failed (instead of `onRequestEnd`). */
  readonly onRequestException: TraceHook<TraceRequestExceptionParams>[] = [];
  /** A redirect is about to be followed (once per hop). */
  readonly onRequestRedirect: TraceHook<TraceRequestEndParams>[] = [];
  /** The request starts waiting for a free connection slot (the pool limit). */
  readonly onConnectionQueuedStart: TraceHook<Record<string, never>>[] = [];
  /** The request got its connection slot. */
  readonly onConnectionQueuedEnd: TraceHook<Record<string, never>>[] = [];
  /** A new socket is being opened. */
  readonly onConnectionCreateStart: TraceHook<TraceConnectionParams>[] = [];
  /** A new socket opened (or failed to). */
  readonly onConnectionCreateEnd: TraceHook<TraceConnectionParams>[] = [];
  /** A chunk of the response body arrived. */
  readonly onResponseChunkReceived: TraceHook<TraceResponseChunkParams>[] = [];
  readonly #factory: (traceRequestCtx: unknown) => Record<string, unknown>;

  /** An empty set of hooks. */
  constructor(options: TraceConfigOptions = {}) {
    checkOptions('TraceConfig()', options, TRACE_OPTIONS);
    const f = options.traceConfigCtxFactory ?? defaultFactory;
    if (typeof f !== 'function') throw new TypeError(`TraceConfig(): traceConfigCtxFactory must be a function, got ${describe(f)}`);
    this.#factory = f;
  }

  /** @internal */
  _makeContext(traceRequestCtx: unknown): Record<string, unknown> {
    return this.#factory(traceRequestCtx);
  }
}

function defaultFactory(traceRequestCtx: unknown): Record<string, unknown> {
  return { traceRequestCtx };
}

type HookName = {
  [K in keyof TraceConfig]: TraceConfig[K] extends TraceHook<infer _P>[] ? K : never
}[keyof TraceConfig];
type ParamsOf<K extends HookName> = TraceConfig[K] extends TraceHook<infer P>[] ? P : never;

/** @internal The trace configs of one request, each with its context. */
export class RequestTrace {
  readonly #session: unknown;
  readonly #configs: readonly TraceConfig[];
  readonly #ctxs: Record<string, unknown>[];

  constructor(session: unknown, configs: readonly TraceConfig[], traceRequestCtx: unknown) {
    this.#session = session;
    this.#configs = configs;
    this.#ctxs = configs.map((c) => c._makeContext(traceRequestCtx));
  }

  async send<K extends HookName>(name: K, params: ParamsOf<K>): Promise<void> {
    for (let i = 0; i < this.#configs.length; i++) {
      const hooks = (this.#configs[i] as TraceConfig)[name] as TraceHook<ParamsOf<K>>[];
      for (const hook of hooks) await hook(this.#session, this.#ctxs[i] as Record<string, unknown>, params);
    }
  }

  /** Fire and forget: errors are reported, not thrown into the I/O path. */
  notify<K extends HookName>(name: K, params: ParamsOf<K>): void {
    this.send(name, params).catch((e: unknown) => report({ message: `TraceConfig.${name} hook failed`, exception: e }));
  }
}

/** @internal Connection hooks of a session: not tied to one request. */
export function notifyAll<K extends HookName>(session: unknown, configs: readonly TraceConfig[], name: K, params: ParamsOf<K>): void {
  new RequestTrace(session, configs, undefined).notify(name, params);
}
