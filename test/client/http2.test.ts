// HTTP/2 as an opt-in on the connector (undici's allowH2), against Node's
// own http2 server: negotiated by ALPN, bodies both ways, headers, and
// plain HTTP/1.1 for servers that do not offer h2.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { TCPConnector } from '../../src/client/index.js';
import { serveTls, session } from './helpers.js';
import { TLS_CERT, TLS_KEY } from './tls-fixture.js';

async function serveH2(t: TestContext, allowHTTP1: boolean): Promise<string> {
  const server = http2.createSecureServer({ key: TLS_KEY, cert: TLS_CERT, allowHTTP1 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('x-version', req.httpVersion);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of sessions) s.destroy();
    server.close(() => resolve());
  }));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('allowH2: requests go over HTTP/2 to a server that offers it (an h2-only server answers)', async (t) => {
  const url = await serveH2(t, false);
  const s = session(t, { connector: new TCPConnector({ allowH2: true, ssl: { ca: TLS_CERT } }) });
  const r1 = await s.get(`${url}/a?x=1`);
  assert.equal(r1.status, 200);
  assert.equal(r1.headers.get('x-version'), '2.0');
  assert.deepEqual(r1.headers.getAll('set-cookie'), ['a=1', 'b=2']);
  assert.equal(await r1.text(), 'GET /a?x=1 ');
  const r2 = await s.post(`${url}/b`, { json: { n: 1 } });
  assert.equal(await r2.text(), 'POST /b {"n":1}');
});

test('without allowH2 an h2-only server is unreachable, and a server offering both answers in HTTP/1.1', async (t) => {
  const h2only = await serveH2(t, false);
  const both = await serveH2(t, true);
  const s = session(t, { connector: new TCPConnector({ ssl: { ca: TLS_CERT } }) });
  await assert.rejects(s.get(h2only));
  const r = await s.get(both);
  assert.equal(r.headers.get('x-version'), '1.1');
  await r.text();
});

test('allowH2 with a server that speaks only HTTP/1.1 falls back to it', async (t) => {
  const { url } = await serveTls(t, (req, res) => res.end(`v${req.httpVersion}`));
  const s = session(t, { connector: new TCPConnector({ allowH2: true, ssl: { ca: TLS_CERT } }) });
  assert.equal(await (await s.get(url)).text(), 'v1.1');
});
