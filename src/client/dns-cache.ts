// What the connector does before it dials a name: ask the resolver (one
// query per host and port at a time, as aiohttp's throttled lookups), check
// its answer, and keep it for `ttlDnsCache` seconds (aiohttp's
// `_DNSCacheTable`, which also rotates the addresses on each hit so that
// connections spread over them).
import { isIP } from 'node:net';
import { ClientConnectorDNSError } from './errors.js';
import type { AbstractResolver, AddressFamily, ResolveResult } from './resolver.js';

interface Entry {
  addrs: ResolveResult[];
  expires: number;
}

/** @internal */
export class HostResolution {
  readonly #resolver: AbstractResolver;
  readonly #cache: Map<string, Entry> | null;
  readonly #ttlMs: number | null;
  readonly #inflight = new Map<string, Promise<ResolveResult[]>>();

  constructor(resolver: AbstractResolver, useCache: boolean, ttl: number | null) {
    this.#resolver = resolver;
    this.#cache = useCache ? new Map() : null;
    this.#ttlMs = ttl === null ? null : ttl * 1000;
  }

  get resolver(): AbstractResolver {
    return this.#resolver;
  }

  /** The addresses to dial for `host:port`; rejects with `ClientConnectorDNSError`. `timeoutMs` 0: none. */
  resolve(host: string, port: number, family: AddressFamily, timeoutMs: number): Promise<ResolveResult[]> {
    const key = `${host}\0${port}`;
    const cache = this.#cache;
    if (cache !== null) {
      const hit = cache.get(key);
      if (hit !== undefined) {
        if (this.#ttlMs === null || hit.expires > performance.now()) {
          if (hit.addrs.length > 1) hit.addrs.push(hit.addrs.shift() as ResolveResult);
          return Promise.resolve(hit.addrs.slice());
        }
        cache.delete(key);
      }
    }
    let p = this.#inflight.get(key);
    if (p === undefined) {
      p = this.#ask(host, port, family, timeoutMs).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
      if (cache !== null) {
        p.then((addrs) => {
          cache.set(key, { addrs: addrs.slice(), expires: this.#ttlMs === null ? Infinity : performance.now() + this.#ttlMs });
        }, () => {});
      }
    }
    return p;
  }

  /** Forget `host` (and `port`), or everything (aiohttp's `clear_dns_cache`). */
  clear(host?: string, port?: number): void {
    const cache = this.#cache;
    if (cache === null) return;
    if (host === undefined) {
      cache.clear();
      return;
    }
    for (const key of [...cache.keys()]) {
      const [h, p] = key.split('\0');
      if (h === host && (port === undefined || Number(p) === port)) cache.delete(key);
    }
  }

  async #ask(host: string, port: number, family: AddressFamily, timeoutMs: number): Promise<ResolveResult[]> {
    let timer: NodeJS.Timeout | undefined;
    let answer: unknown;
    try {
      const asked = this.#resolver.resolve(host, port, family);
      answer = await (timeoutMs === 0 ? asked : Promise.race([asked, new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s (sockConnect)`)), timeoutMs);
      })]));
    } catch (e) {
      const code = typeof (e as { code?: unknown } | null)?.code === 'string' ? (e as { code: string }).code : undefined;
      const why = e instanceof Error ? e.message : String(e);
      throw new ClientConnectorDNSError(host, port, `the resolver failed: ${why}`, { cause: e, osCode: code });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    return checked(host, port, answer);
  }
}

// A resolver is user code: its answer is checked before a socket is dialled.
function checked(host: string, port: number, answer: unknown): ResolveResult[] {
  if (!Array.isArray(answer) || answer.length === 0) {
    throw new ClientConnectorDNSError(host, port, `the resolver returned no address (${Array.isArray(answer) ? 'an empty list' : typeof answer})`);
  }
  const out: ResolveResult[] = [];
  for (const a of answer as unknown[]) {
    const r = a as Partial<ResolveResult> | null;
    const ip = typeof r?.host === 'string' ? isIP(r.host) : 0;
    const p = r?.port;
    if (ip === 0 || typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) {
      throw new ClientConnectorDNSError(host, port, 'the resolver returned an entry without an IP `host` and a `port` in 0..65535');
    }
    out.push({ hostname: host, host: (r as ResolveResult).host, port: p === 0 ? port : p, family: ip, proto: r?.proto ?? 0, flags: r?.flags ?? 0 });
  }
  return out;
}
