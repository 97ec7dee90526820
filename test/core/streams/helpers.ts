// Shared fixtures of the streams tests: a self-signed certificate and a
// server started on 127.0.0.1:0 that the test closes in t.after.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startServer, type ClientConnected, type Server, type StartServerOptions } from '../../../src/index.js';

/** A key and a self-signed certificate for `localhost` and 127.0.0.1, made by openssl. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
