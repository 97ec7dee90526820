// Shared fixtures of the streams tests: self-signed certificates (a valid
// one and an expired one) and a server on 127.0.0.1:0 closed in t.after.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A key and a certificate for `localhost` and 127.0.0.1 that expired in 2020,
 * self-signed with `openssl ca` (`openssl req` cannot backdate).
 */
export function expiredCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-tls-'));
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  try {
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    writeFileSync(join(dir, 'ca.cnf'), [
      '[ca]', 'default_ca = d', '[d]', 'database = index.txt', 'new_certs_dir = .', 'serial = serial',
      'default_md = sha256', 'policy = p', 'copy_extensions = copy', 'unique_subject = no', '[p]', 'commonName = supplied', '',
    ].join('\n'));
    run([
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', 'key.pem', '-out', 'req.csr',
    ]);
    run([
      'ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr', '-out', 'cert.pem',
      '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-notext',
    ]);
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
