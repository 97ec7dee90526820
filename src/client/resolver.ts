/**
 * Name resolution for `TCPConnector`, as aiohttp's resolvers:
 * `AbstractResolver` to write one's own, `ThreadedResolver` (the OS's
 * `getaddrinfo`, through Node's `dns.lookup`: `/etc/hosts` included) and
 * `AsyncResolver` (DNS queries through c-ares, `dns.promises.Resolver`).
 * @module
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { describe } from '../core/validate.js';
import { checkOptions, knownOptions } from '../core/options.js';

/** One address of a host, as aiohttp's `ResolveResult`. */
export interface ResolveResult {
  /** The name that was asked for. */
  readonly hostname: string;
  /** The address to connect to (an IP). */
  readonly host: string;
  /** The port to connect to: a resolver may send a name to another port (aiohttp's fake_server does). */
  readonly port: number;
  /** 4 or 6. */
  readonly family: number;
  /** Protocol number (0: any). */
  readonly proto: number;
  /** `getaddrinfo` flags (0). */
  readonly flags: number;
}

/** The address family asked for: 0 (any), 4 or 6 (aiohttp's `socket.AF_UNSPEC`/`AF_INET`/`AF_INET6`). */
export type AddressFamily = 0 | 4 | 6;

/**
 * A resolver: give `TCPConnector({ resolver })` any object with this shape
 * (aiohttp's `AbstractResolver`). `resolve` returns the addresses to try, in
 * order; an empty list or a throw fails the request with `ClientConnectorDNSError`.
 * @example
 * class FakeResolver extends AbstractResolver {
 *   async resolve(host: string, port = 0) {
 *     return [{ hostname: host, host: '127.0.0.1', port, family: 4, proto: 0, flags: 0 }];
 *   }
 * }
 */
export abstract class AbstractResolver {
  /** The addresses of `host` (connecting to `port`), of `family` (0: any). */
  abstract resolve(host: string, port?: number, family?: AddressFamily): Promise<ResolveResult[]>;

  /** Release what the resolver holds (nothing by default). */
  async close(): Promise<void> {}
}

/**
 * Resolves through the OS (`getaddrinfo` on libuv's thread pool, Node's
 * `dns.lookup`), as aiohttp's `ThreadedResolver`: `/etc/hosts` and the
 * system's resolver configuration apply. The default.
 */
export class ThreadedResolver extends AbstractResolver {
  /** The OS's addresses for `host`. */
  async resolve(host: string, port = 0, family: AddressFamily = 0): Promise<ResolveResult[]> {
    const found = await dns.lookup(host, { all: true, family });
    return found.map((a) => ({ hostname: host, host: a.address, port, family: a.family, proto: 0, flags: 0 }));
  }
}

const ASYNC_OPTIONS = knownOptions('servers', 'timeout', 'tries');

/** Options of {@link AsyncResolver}. */
export interface AsyncResolverOptions {
  /** DNS servers to ask (`'1.1.1.1'`, `'[::1]:5353'`, `'127.0.0.1:5353'`). @default the system's */
  readonly servers?: readonly string[];
  /** Seconds before a query is retried. @default c-ares's (5) */
  readonly timeout?: number;
  /** Attempts per server. @default 4 */
  readonly tries?: number;
}

/**
 * Resolves with DNS queries (c-ares, Node's `dns.promises.Resolver`), as
 * aiohttp's `AsyncResolver` (aiodns): A and AAAA records, `/etc/hosts` not read.
 * @example
 * new TCPConnector({ resolver: new AsyncResolver({ servers: ['1.1.1.1'] }) });
 */
export class AsyncResolver extends AbstractResolver {
  readonly #resolver: dns.Resolver;

  /** A resolver; see {@link AsyncResolverOptions}. */
  constructor(options: AsyncResolverOptions = {}) {
    super();
    checkOptions('AsyncResolver()', options, ASYNC_OPTIONS);
    const timeout = options.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) throw new RangeError(`AsyncResolver(): timeout must be a positive number of seconds, got ${describe(timeout)}`);
    const tries = options.tries;
    if (tries !== undefined && (typeof tries !== 'number' || !Number.isInteger(tries) || tries < 1)) throw new RangeError(`AsyncResolver(): tries must be an integer >= 1, got ${describe(tries)}`);
    this.#resolver = new dns.Resolver({ ...(timeout === undefined ? {} : { timeout: Math.ceil(timeout * 1000) }), ...(tries === undefined ? {} : { tries }) });
    const servers: unknown = options.servers;
    if (servers !== undefined) {
      if (!Array.isArray(servers) || servers.length === 0 || !servers.every((s) => typeof s === 'string')) throw new TypeError(`AsyncResolver(): servers must be a non-empty array of strings, got ${describe(servers)}`);
      this.#resolver.setServers(servers);
    }
  }

  /** The A (and AAAA) records of `host`. */
  async resolve(host: string, port = 0, family: AddressFamily = 0): Promise<ResolveResult[]> {
    const ip = isIP(host);
    if (ip !== 0) return [{ hostname: host, host, port, family: ip, proto: 0, flags: 0 }];
    const out: ResolveResult[] = [];
    const errors: unknown[] = [];
    const ask = async (fam: 4 | 6): Promise<void> => {
      try {
        const addrs = fam === 4 ? await this.#resolver.resolve4(host) : await this.#resolver.resolve6(host);
        for (const a of addrs) out.push({ hostname: host, host: a, port, family: fam, proto: 0, flags: 0 });
      } catch (e) {
        errors.push(e);
      }
    };
    if (family === 0) await Promise.all([ask(4), ask(6)]);
    else await ask(family);
    // Order IPv4 first, as getaddrinfo usually does; one family failing is fine.
    out.sort((a, b) => a.family - b.family);
    if (out.length === 0) throw errors[0] ?? new Error(`no address for ${host}`);
    return out;
  }

  /** Cancel the queries in flight. */
  override async close(): Promise<void> {
    this.#resolver.cancel();
  }
}
