// Shared by the web tests: a raw socket client and a server on port 0.
import { connect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { TestClient } from '../../src/testing/index.js';
import type { Application } from '../../src/web/index.js';
import type { TestServerOptions } from '../../src/testing/test-server.js';

/** A TestClient torn down after the test. */
export async function clientFor(t: TestContext, app: Application, options?: TestServerOptions): Promise<TestClient> {
  const client = await TestClient.create(app, options);
  t.after(() => client.close());
  return client;
}

/** Send raw bytes on a new connection and collect everything until the server closes it (or `until` matches). */
export function rawRequest(port: number, data: string | Buffer, options?: { until?: RegExp; endAfterWrite?: boolean }): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock: Socket = connect(port, '127.0.0.1');
    let out = '';
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if (options?.until?.test(out) === true) {
        sock.destroy();
        resolve(out);
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve(out);
      else reject(e);
    });
    sock.on('close', () => resolve(out));
    sock.write(data, () => {
      if (options?.endAfterWrite === true) sock.end();
    });
  });
}

/** Open a connection and wait until it is established. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/** The status code of a raw HTTP response, or 0 when there was none. */
export function statusOf(raw: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return m === null ? 0 : Number(m[1]);
}

/** What a connect attempt to 127.0.0.1 ends in: 'connected' or the error code (e.g. 'ECONNREFUSED'). */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}
