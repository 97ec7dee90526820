/**
 * aiots behind a real nginx, as docs/deployment.md configures it: requests,
 * bodies, statuses and headers pass through, the client's address arrives in
 * X-Forwarded-For, nginx keeps its upstream connections alive, and the same
 * works over a Unix socket.
 * Skipped only when the nginx binary is absent (CI installs nginx-light).
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { chmod } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { AppRunner, Application, Response, TCPSite, UnixSite, jsonResponse, type Request } from '../../src/web/index.js';
import { frontEndMissing, makePrefix, startNginx } from '../helpers/front-ends.js';

const skip = frontEndMissing('nginx');

interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

function fetchVia(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => text += chunk);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function echo(request: Request): Promise<Response> {
  const h = request.headers;
  return jsonResponse({
    method: request.method,
    path: request.path,
    query: request.query.get('q'),
    host: h.get('host') ?? null,
    forwardedFor: h.get('x-forwarded-for') ?? null,
    forwardedProto: h.get('x-forwarded-proto') ?? null,
    realIp: h.get('x-real-ip') ?? null,
    connection: h.get('connection') ?? null,
    remote: request.remote,
  });
}

async function startRunner(t: TestContext): Promise<AppRunner> {
  const app = new Application();
  app.router.addRoute('GET', '/hello/{name}', async (request) =>
    new Response({ text: `<h1>hello, ${request.matchInfo.name}!</h1>`, contentType: 'text/html', headers: { 'X-Served-By': 'aiots' } }));
  app.router.addRoute('GET', '/echo', echo);
  app.router.addRoute('POST', '/echo', async (request) => jsonResponse({ got: await request.json() }, { status: 201 }));
  app.router.addRoute('GET', '/teapot', async () => new Response({ status: 418, text: 'short and stout' }));
  const runner = new AppRunner(app, { accessLog: null });
  await runner.setup();
  t.after(() => runner.cleanup());
  return runner;
}

/** Counts the TCP connections accepted on `port` in this process. */
function countAccepted(t: TestContext, port: number): () => number {
  let count = 0;
  const onSocket = (message: unknown): void => {
    if ((message as { socket: Socket }).socket.localPort === port) count++;
  };
  subscribe('net.server.socket', onSocket);
  t.after(() => unsubscribe('net.server.socket', onSocket));
  return () => count;
}

void describe('aiots behind nginx', { skip }, () => {
  void test('requests, bodies, statuses and headers pass through; X-Forwarded-For arrives; upstream keep-alive', async (t) => {
    const site = new TCPSite(await startRunner(t), '127.0.0.1', 0);
    await site.start();
    // With upstream keep-alive, nginx sends many requests over few connections.
    const accepted = countAccepted(t, site.port);
    const port = await startNginx(t, await makePrefix(t, 'nginx'), `127.0.0.1:${site.port}`);

    await t.test('GET a route: status, body and headers come back', async () => {
      const r = await fetchVia(port, 'GET', '/hello/nginx');
      assert.equal(r.status, 200);
      assert.equal(r.body, '<h1>hello, nginx!</h1>');
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.headers['x-served-by'], 'aiots');
      assert.match(String(r.headers.server), /^nginx/);
    });

    await t.test('the proxy headers reach request.headers', async () => {
      const r = await fetchVia(port, 'GET', '/echo?q=caf%C3%A9', { 'X-Forwarded-For': '203.0.113.7', Host: 'example.test' });
      assert.equal(r.status, 200);
      const seen = JSON.parse(r.body) as Record<string, unknown>;
      assert.equal(seen.method, 'GET');
      assert.equal(seen.path, '/echo');
      assert.equal(seen.query, 'café');
      assert.equal(seen.host, 'example.test');
      // nginx appends the address it saw to what the client sent.
      assert.equal(seen.forwardedFor, '203.0.113.7, 127.0.0.1');
      assert.equal(seen.forwardedProto, 'http');
      assert.equal(seen.realIp, '127.0.0.1');
      // proxy_set_header Connection "" removes it: the upstream connection is kept alive.
      assert.equal(seen.connection, null);
      assert.equal(seen.remote, '127.0.0.1');
    });

    await t.test('a POST body goes up and the status comes back', async () => {
      const r = await fetchVia(port, 'POST', '/echo', { 'Content-Type': 'application/json' }, JSON.stringify({ a: [1, 2] }));
      assert.equal(r.status, 201);
      assert.deepEqual(JSON.parse(r.body), { got: { a: [1, 2] } });
    });

    await t.test('error statuses pass through: 404, 405 with Allow, 418', async () => {
      const missing = await fetchVia(port, 'GET', '/nowhere');
      assert.equal(missing.status, 404);
      const wrongMethod = await fetchVia(port, 'DELETE', '/echo');
      assert.equal(wrongMethod.status, 405);
      const allow = String(wrongMethod.headers.allow).split(/,\s*/);
      assert.ok(allow.includes('GET') && allow.includes('POST'), `Allow: ${allow.join(', ')}`);
      const teapot = await fetchVia(port, 'GET', '/teapot');
      assert.equal(teapot.status, 418);
      assert.equal(teapot.body, 'short and stout');
    });

    await t.test('nginx reuses its upstream connections', async () => {
      const before = accepted();
      const n = 20;
      for (let i = 0; i < n; i++) assert.equal((await fetchVia(port, 'GET', `/hello/${i}`)).status, 200);
      // Each request came over a new client connection; without upstream
      // keep-alive nginx would open one upstream connection per request.
      assert.ok(accepted() - before <= 1, `nginx opened ${accepted() - before} upstream connections for ${n} sequential requests`);
    });
  });

  void test('over a Unix socket (UnixSite)', async (t) => {
    const dir = await makePrefix(t, 'nginx');
    const path = join(dir, 'aiots.sock');
    const site = new UnixSite(await startRunner(t), path);
    await site.start();
    // nginx's workers must be able to write to the socket to connect (see docs/deployment.md).
    await chmod(path, 0o666);
    const port = await startNginx(t, dir, `unix:${path}`);

    const hello = await fetchVia(port, 'GET', '/hello/unix');
    assert.equal(hello.status, 200);
    assert.equal(hello.body, '<h1>hello, unix!</h1>');
    const r = await fetchVia(port, 'GET', '/echo', { 'X-Forwarded-For': '198.51.100.1' });
    const seen = JSON.parse(r.body) as Record<string, unknown>;
    assert.equal(seen.forwardedFor, '198.51.100.1, 127.0.0.1');
    assert.equal(seen.realIp, '127.0.0.1');
    // No TCP peer on a Unix socket: the client's address comes from the proxy headers.
    assert.equal(seen.remote, null);
  });
});
