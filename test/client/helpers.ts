// Real local servers for the client tests: node:http on 127.0.0.1:0, or a
// raw net server for peers that misbehave. Everything closes in t.after.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { ClientSession, type ClientSessionOptions } from '../../src/client/index.js';
import { TLS_CERT, TLS_KEY } from './tls-fixture.js';

export async function serve(t: TestContext, handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const addr = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${addr.port}`, server };
}

/** An https server on 127.0.0.1 with the self-signed fixture certificate (requests use `ssl: false` or trust `TLS_CERT`). */
export async function serveTls(t: TestContext, handler: http.RequestListener): Promise<{ url: string; server: https.Server }> {
  const server = https.createServer({ key: TLS_KEY, cert: TLS_CERT }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, server };
}

/** A raw TCP peer: `onSocket` decides what it does with each connection. */
export async function serveRaw(t: TestContext, onSocket: (socket: net.Socket) => void): Promise<{ url: string; sockets: Set<net.Socket>; server: net.Server }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  const addr = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${addr.port}`, sockets, server };
}

export function session(t: TestContext, options?: ClientSessionOptions): ClientSession {
  const s = new ClientSession(options);
  t.after(() => s.close());
  return s;
}

/** A port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Resolves when `emitter` emits `event` once. */
export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (v: T) => resolve(v)));
}
