// Shared fixtures of the streams tests: self-signed certificates (a valid
// one and an expired one, from ../../tls-certs.ts) and a server on
// 127.0.0.1:0 closed in t.after.
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { startServer, type ClientConnected, type Server, type StartServerOptions } from '../../../src/index.js';

export { expiredCert, selfSignedCert } from '../../tls-certs.js';

/** Start a server on 127.0.0.1:0, closed (connections aborted) after the test. */
export async function serve(t: TestContext, cb: ClientConnected, options?: StartServerOptions): Promise<{ server: Server; port: number }> {
  const server = await startServer(cb, '127.0.0.1', 0, options);
  t.after(async () => {
    server.close();
    server.abortClients();
    await server.waitClosed();
  });
  return { server, port: (server.address() as AddressInfo).port };
}
