/**
 * `loop.createDatagramEndpoint`, as asyncio's `create_datagram_endpoint`:
 * a node:dgram socket bound (and, with `remoteAddr`, connected), handed to a
 * new protocol.
 * @module
 */
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Future } from '../future.js';
import { checkOptions, knownOptions } from '../options.js';
import type { SignalOptions } from '../sleep.js';
import { checkSignal, suspend } from '../suspend.js';
import { describe, toFunction, toSignal } from '../validate.js';
import { toHost, toPort } from '../streams/net-options.js';
import { supportsReusePort } from '../streams/server.js';
import { DatagramTransport } from './datagram-transport.js';
import type { DatagramProtocol, ProtocolFactory } from './protocol.js';

const OPTIONS = knownOptions('signal', 'localAddr', 'remoteAddr', 'family', 'reuseAddress', 'reusePort', 'allowBroadcast');
const ALIASES = { local_addr: 'localAddr', remote_addr: 'remoteAddr', reuse_address: 'reuseAddress', reuse_port: 'reusePort', allow_broadcast: 'allowBroadcast' };

/** Options of {@link EventLoop.createDatagramEndpoint}. */
export interface DatagramEndpointOptions extends SignalOptions {
  /** The local `[host, port]` to bind to (port 0: any). @default any address of the family, any port */
  readonly localAddr?: readonly [string, number];
  /** The `[host, port]` to connect to: datagrams from elsewhere are dropped, and `sendto(data)` needs no address. */
  readonly remoteAddr?: readonly [string, number];
  /** 4 or 6. @default the family of the addresses given */
  readonly family?: 4 | 6;
  /** Not supported, as in asyncio >= 3.11 (SO_REUSEADDR lets another process take a UDP port's datagrams); `true` is an error. */
  readonly reuseAddress?: boolean;
  /** Let several sockets bind the same port (SO_REUSEPORT; Node >= 22.12). @default false */
  readonly reusePort?: boolean;
  /** Allow sending to broadcast addresses (SO_BROADCAST). @default false */
  readonly allowBroadcast?: boolean;
}

/** @internal The body of `loop.createDatagramEndpoint`. */
export async function createDatagramEndpoint<P extends DatagramProtocol>(
  protocolFactory: ProtocolFactory<P>, options?: DatagramEndpointOptions,
): Promise<[DatagramTransport, P]> {
  const where = 'createDatagramEndpoint()';
  toFunction(where, 'protocolFactory', protocolFactory);
  checkOptions(where, options, OPTIONS, ALIASES);
  const o = options ?? {};
  const local = toAddr(where, 'localAddr', o.localAddr);
  const remote = toAddr(where, 'remoteAddr', o.remoteAddr);
  if (o.family !== undefined && o.family !== 4 && o.family !== 6) throw new RangeError(`${where}: family must be 4 or 6, got ${describe(o.family)}`);
  for (const k of ['reuseAddress', 'reusePort', 'allowBroadcast'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new TypeError(`${where}: ${k} must be a boolean, got ${describe(o[k])}`);
  }
  if (o.reuseAddress === true) {
    throw new RangeError(`${where}: reuseAddress is not supported, as in asyncio >= 3.11: SO_REUSEADDR on UDP lets another process bind the port and take its datagrams (use reusePort)`);
  }
  if (o.reusePort === true && !supportsReusePort()) throw new RangeError(`${where}: reusePort needs Node >= 22.12, this is ${process.version}`);
  if (local === undefined && remote === undefined && o.family === undefined) {
    throw new RangeError(`${where}: give localAddr, remoteAddr or family (asyncio: "unexpected address family")`);
  }
  const signal = toSignal(where, o.signal);
  checkSignal(signal);

  const localIp = local === undefined ? undefined : await resolve(local[0], o.family, signal);
  const remoteIp = remote === undefined ? undefined : await resolve(remote[0], o.family ?? localIp?.family, signal);
  const family = o.family ?? localIp?.family ?? remoteIp!.family;
  if (localIp !== undefined && remoteIp !== undefined && localIp.family !== remoteIp.family) {
    throw new RangeError(`${where}: localAddr ${local![0]} and remoteAddr ${remote![0]} are of different families`);
  }
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ...(o.reusePort === true ? { reusePort: true } : {}) } as Parameters<typeof createSocket>[0]);
  try {
    await step(socket, signal, (done) => socket.bind(local === undefined ? {} : { address: localIp!.address, port: local[1] }, done));
    if (remoteIp !== undefined) await step(socket, signal, (done) => socket.connect(remote![1], remoteIp.address, done));
    if (o.allowBroadcast === true) socket.setBroadcast(true);
  } catch (e) {
    socket.close();
    throw e;
  }
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (e) {
    socket.close();
    throw e;
  }
  const t = new DatagramTransport(socket, protocol, remoteIp === undefined ? undefined : [remoteIp.address, remote![1]], remote === undefined ? undefined : [remote[0], remote[1]]);
  t._start();
  return [t, protocol];
}

function toAddr(where: string, name: string, value: unknown): [string, number] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`${where}: ${name} must be [host, port], got ${describe(value)}`);
  return [toHost(`${where} ${name}`, value[0]), toPort(`${where} ${name}`, value[1], name === 'localAddr')];
}

// An address literal as is; a name through the resolver (cancellable like every await).
async function resolve(host: string, family: 4 | 6 | undefined, signal: AbortSignal | undefined): Promise<{ address: string; family: 4 | 6 }> {
  const f = isIP(host);
  if (f !== 0) return { address: host, family: f as 4 | 6 };
  const fut = new Future<{ address: string; family: 4 | 6 }>();
  lookup(host, { family: family ?? 0 }).then(
    (r) => { if (!fut.done()) fut.setResult({ address: r.address, family: r.family as 4 | 6 }); },
    (e: unknown) => { if (!fut.done()) fut.setException(e); },
  );
  return suspend(fut, signal);
}

// One step of setting up the socket (bind, connect), failing with the socket's error.
async function step(socket: DgramSocket, signal: AbortSignal | undefined, start: (done: () => void) => void): Promise<void> {
  const fut = new Future<void>();
  const onError = (e: Error): void => {
    if (!fut.done()) fut.setException(e);
  };
  socket.on('error', onError);
  try {
    start(() => {
      if (!fut.done()) fut.setResult();
    });
    await suspend(fut, signal);
  } finally {
    socket.off('error', onError);
  }
}
