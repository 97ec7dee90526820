// Serving HTTPS: sites, TestServer and TestClient over TLS with certificates
// made at test time by openssl; the ssl option's checks; reloading the
// certificate without a restart.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect as tlsConnect, createSecureContext, type TLSSocket } from 'node:tls';
import { Event, InvalidStateError, sleep } from '../../src/index.js';
import { TCPConnector } from '../../src/client/index.js';
import { TestClient, TestServer } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';
import { selfSignedCert } from '../tls-certs.js';
import { openSocket, rawRequest, statusOf } from './helpers.js';

const CERT = selfSignedCert();

/** An app that tells what the request saw of its transport. */
function echoApp(): web.Application {
  const app = new web.Application();
  app.router.addGet('/', async (r) => web.jsonResponse({ scheme: r.scheme, secure: r.secure, url: r.url.href, host: r.host }));
  return app;
}

async function site(t: TestContext, app: web.Application, options?: web.TCPSiteOptions & web.RunnerOptions): Promise<web.TCPSite> {
  const { ssl, backlog, reusePort, ...runnerOptions } = options ?? {};
  const runner = new web.AppRunner(app, { accessLog: null, ...runnerOptions });
  await runner.setup();
  t.after(() => runner.cleanup());
  const s = new web.TCPSite(runner, '127.0.0.1', 0, { ...(ssl === undefined ? {} : { ssl }), ...(backlog === undefined ? {} : { backlog }), ...(reusePort === undefined ? {} : { reusePort }) });
  await s.start();
  return s;
}

/** GET over TLS with Node's client, trusting `ca`; the body and the certificate the server showed. */
function get(url: string, ca: string, options?: RequestOptions): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: false, ...options }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
    });
    req.on('error', reject);
    req.end();
  });
}

const fingerprintOf = (cert: string): string => new X509Certificate(cert).fingerprint256;

test('a TCPSite with ssl serves HTTPS: its name, request.scheme/secure/url say https, ALPN is http/1.1', async (t) => {
  const lines: string[] = [];
  const s = await site(t, echoApp(), { ssl: CERT, accessLog: (line) => lines.push(line) });
  assert.equal(s.scheme, 'https');
  assert.match(s.name, /^https:\/\/127\.0\.0\.1:\d+$/);
  const res = await get(`${s.name}/`, CERT.cert);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { scheme: 'https', secure: true, url: `https://127.0.0.1:${s.port}/`, host: `127.0.0.1:${s.port}` });
  assert.equal(res.fingerprint, fingerprintOf(CERT.cert));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /"GET \/ HTTP\/1\.1" 200/);
  // A client that would rather speak HTTP/2 is answered in HTTP/1.1.
  const sock = tlsConnect({ host: '127.0.0.1', port: s.port, ca: CERT.cert, ALPNProtocols: ['h2', 'http/1.1'] });
  t.after(() => sock.destroy());
  await new Promise<void>((resolve, reject) => sock.once('secureConnect', resolve).once('error', reject));
  assert.equal(sock.alpnProtocol, 'http/1.1');
});

test('a plain site says http; a plain HTTP request or a client that distrusts the certificate does not hurt an HTTPS site', async (t) => {
  const plain = await site(t, echoApp());
  assert.equal(plain.scheme, 'http');
  assert.match(plain.name, /^http:\/\//);
  const s = await site(t, echoApp(), { ssl: CERT });
  // Plain HTTP on the TLS port: no HTTP answer, the connection just ends.
  assert.equal(statusOf(await rawRequest(s.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')), 0);
  await assert.rejects(get(`${s.name}/`, selfSignedCert().cert), /self[- ]signed|unable to verify|certificate/i);
  assert.equal((await get(`${s.name}/`, CERT.cert)).status, 200);
});

test('ssl is checked at construction: a TypeError that says what is wrong', async (t) => {
  const runner = new web.AppRunner(echoApp(), { accessLog: null });
  await runner.setup();
  t.after(() => runner.cleanup());
  const other = selfSignedCert();
  const cases: [unknown, RegExp][] = [
    [{ cert: CERT.cert }, /ssl needs a certificate and its private key: key missing \(or give pfx\)/],
    [{ key: CERT.key }, /cert missing/],
    [{}, /key and cert missing/],
    ['cert.pem', /ssl must be TLS options \(\{ key, cert, \.\.\. \}\), got string "cert\.pem"/],
    [{ key: 'key.pem', cert: 'cert.pem' }, /ssl\.key must be PEM text or a Buffer, got string "key\.pem"; to use a file, pass readFileSync\(path\)/],
    [{ ...CERT, certs: CERT.cert }, /unknown option ssl\.certs/],
    [{ ...CERT, ALPNProtocols: ['h2'] }, /ssl\.ALPNProtocols is not accepted: aiots serves HTTP\/1\.1/],
    [{ ...CERT, handshakeTimeout: 5000 }, /ssl\.handshakeTimeout is not accepted: .*milliseconds/],
    [{ ...CERT, secureContext: createSecureContext(CERT) }, /ssl\.secureContext is not accepted/],
    [createSecureContext(CERT), /got a tls\.SecureContext, which a Node server ignores/],
    [{ key: other.key, cert: CERT.cert }, /^TypeError: TCPSite\(\): ssl: .*key values mismatch/],
    [{ key: CERT.key, cert: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' }, /^TypeError: TCPSite\(\): ssl: /],
  ];
  for (const [ssl, re] of cases) assert.throws(() => new web.TCPSite(runner, '127.0.0.1', 0, { ssl: ssl as web.SSLOptions }), re);
  assert.throws(() => new web.UnixSite(runner, '/tmp/x.sock', { ssl: { cert: CERT.cert } }), /^TypeError: UnixSite\(\): ssl needs/);
  assert.throws(() => new TestServer(echoApp(), { ssl: { key: CERT.key } }), /^TypeError: TestServer\(\): ssl needs/);
  // null is plain HTTP, as aiohttp's ssl_context=None.
  assert.equal(new web.TCPSite(runner, '127.0.0.1', 0, { ssl: null }).scheme, 'http');
});

test('setSecureContext() swaps the certificate without a restart: new connections see the new one, open ones keep working', async (t) => {
  const s = await site(t, echoApp(), { ssl: CERT });
  const next = selfSignedCert();
  // A keep-alive connection opened before the swap.
  const agentSock = tlsConnect({ host: '127.0.0.1', port: s.port, ca: CERT.cert, ALPNProtocols: ['http/1.1'] });
  t.after(() => agentSock.destroy());
  await new Promise<void>((resolve, reject) => agentSock.once('secureConnect', resolve).once('error', reject));
  assert.equal((await get(`${s.name}/`, CERT.cert)).fingerprint, fingerprintOf(CERT.cert));

  assert.throws(() => s.setSecureContext({ cert: next.cert }), /^TypeError: TCPSite\.setSecureContext\(\): ssl needs/);
  // A refused swap leaves the old certificate in place.
  assert.equal((await get(`${s.name}/`, CERT.cert)).fingerprint, fingerprintOf(CERT.cert));
  s.setSecureContext(next);
  const after = await get(`${s.name}/`, next.cert);
  assert.equal(after.status, 200);
  assert.equal(after.fingerprint, fingerprintOf(next.cert));
  await assert.rejects(get(`${s.name}/`, CERT.cert), /self[- ]signed|unable to verify|certificate/i);
  // The connection made before the swap still serves a request.
  agentSock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`);
  let raw = '';
  for await (const chunk of agentSock) raw += (chunk as Buffer).toString();
  assert.equal(statusOf(raw), 200);

  const plain = await site(t, echoApp());
  assert.throws(() => plain.setSecureContext(next), (e: unknown) => e instanceof InvalidStateError && /serves plain HTTP/.test(e.message));
});

test('a UnixSite with ssl serves HTTPS on the socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-https-sock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'app.sock');
  const runner = new web.AppRunner(echoApp(), { accessLog: null });
  await runner.setup();
  t.after(() => runner.cleanup());
  const s = new web.UnixSite(runner, path, { ssl: CERT });
  await s.start();
  assert.equal(s.name, `https://unix:${path}:`);
  const res = await get('https://localhost/', CERT.cert, { socketPath: path });
  assert.equal(JSON.parse(res.body).scheme, 'https');
});

test('TestServer with ssl: baseUrl is https and a TestClient trusting the certificate talks to it', async (t) => {
  const server = new TestServer(echoApp(), { ssl: CERT });
  const client = await TestClient.create(server, undefined, { connector: new TCPConnector({ ssl: { ca: CERT.cert } }) });
  t.after(() => client.close());
  assert.equal(server.scheme, 'https');
  assert.match(server.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(client.makeUrl('/x'), /^https:\/\//);
  const res = await client.get('/');
  assert.deepEqual(await res.json(), { scheme: 'https', secure: true, url: `https://127.0.0.1:${server.port}/`, host: `127.0.0.1:${server.port}` });
});

test('shutdown closes connections still in their TLS handshake (Node\'s server does not track them)', { timeout: 30_000 }, async (t) => {
  const runner = new web.AppRunner(echoApp(), { accessLog: null });
  await runner.setup();
  const s = new web.TCPSite(runner, '127.0.0.1', 0, { ssl: CERT });
  await s.start();
  // One that connects and never says hello, one whose handshake is done but sent nothing yet.
  const silent = await openSocket(s.port);
  t.after(() => silent.destroy());
  const shook = tlsConnect({ host: '127.0.0.1', port: s.port, ca: CERT.cert });
  t.after(() => shook.destroy());
  await new Promise<void>((resolve, reject) => shook.once('secureConnect', resolve).once('error', reject));
  const closed = Promise.all([once(silent, 'close'), once(shook, 'close')]);
  // Without the tracking this waits for the 120 s handshake timeout (and the 60 s headers timeout).
  await runner.cleanup();
  await closed;
  assert.equal(s.address, null);
});

test('shutdown of an HTTPS site lets a request in flight finish: its whole response arrives', { timeout: 30_000 }, async () => {
  const entered = new Event();
  const body = 'x'.repeat(4 * 1024 * 1024);
  const app = new web.Application();
  app.router.addGet('/slow', async () => {
    entered.set();
    await sleep(0.2);
    return new web.Response({ text: body });
  });
  const runner = new web.AppRunner(app, { accessLog: null, shutdownTimeout: 20 });
  await runner.setup();
  const s = new web.TCPSite(runner, '127.0.0.1', 0, { ssl: CERT });
  await s.start();
  const answer = get(`https://localhost:${s.port}/slow`, CERT.cert);
  await entered.wait();
  // The TLS socket, not the TCP one under it, says whether a response is under way.
  await runner.cleanup();
  const r = await answer;
  assert.equal(r.status, 200);
  assert.equal(r.body.length, body.length);
});
