// Shared by the file and static tests: a scratch folder, a server, and a
// plain node:http client (it never decompresses or normalises anything).
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { TestServer } from '../../src/testing/index.js';
import type { TestServerOptions } from '../../src/testing/test-server.js';
import type { Application } from '../../src/web/index.js';

/** A fresh temporary folder, removed after the test. */
export function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A started TestServer, closed after the test. */
export async function serve(t: TestContext, app: Application, options?: TestServerOptions): Promise<TestServer> {
  const server = new TestServer(app, { accessLog: null, ...options });
  await server.start();
  t.after(() => server.close());
  return server;
}

/** A response as received. */
export interface Got {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request over a new connection; the body as bytes. */
export function fetchRaw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
