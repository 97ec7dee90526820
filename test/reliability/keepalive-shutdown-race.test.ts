// The keep-alive race at shutdown: a client sends its next request on a
// kept-alive connection just as the server begins to shut down. If the bytes
// were already in the server's socket buffer (Node had not read them yet: its
// loop was busy), the request is answered, with Connection: close, instead of
// the connection being dropped as idle. Found by bench/stress/shutdown-load.ts
// --think 1: at SIGTERM under 10,000 connections, thousands of requests sent
// before the signal got ECONNRESET.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { openSocket, statusOf } from '../web/helpers.js';

async function serve(): Promise<{ runner: web.AppRunner; port: number }> {
  const app = new web.Application();
  app.router.addGet('/r', async (request) => new web.Response({ text: `answered ${request.query.get('n') ?? ''}` }));
  const runner = new web.AppRunner(app, { accessLog: null, shutdownTimeout: 5 });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', 0);
  await site.start();
  return { runner, port: site.port };
}

test('a request already received on an idle keep-alive connection when shutdown begins is answered with Connection: close', async (t) => {
  const { runner, port } = await serve();
  t.after(() => runner.cleanup());
  const sock = await openSocket(port);
  t.after(() => sock.destroy());
  let out = '';
  let error: string | undefined;
  sock.setEncoding('latin1').on('data', (d: string) => out += d);
  sock.on('error', (e: NodeJS.ErrnoException) => error = e.code);
  sock.write('GET /r?n=1 HTTP/1.1\r\nHost: x\r\n\r\n');
  while (!out.endsWith('answered 1')) await once(sock, 'data');
  // Idle now, from the server's side. The next request reaches the server's
  // socket buffer within this write (loopback), and shutdown begins in the
  // same turn, before Node's loop could read it.
  out = '';
  // Not once(): it would reject on the reset, before the assertions say what happened.
  const closed = new Promise((resolve) => sock.once('close', resolve));
  sock.write('GET /r?n=2 HTTP/1.1\r\nHost: x\r\n\r\n');
  const cleaning = runner.cleanup();
  await closed;
  await cleaning;
  assert.equal(error, undefined, 'the connection was reset');
  assert.equal(statusOf(out), 200, `got ${JSON.stringify(out)}`);
  assert.match(out, /\r\nConnection: close\r\n/i);
  assert.match(out, /answered 2$/);
});

test('an idle keep-alive connection with nothing sent is still closed at once, and new connections are refused', async (t) => {
  const { runner, port } = await serve();
  t.after(() => runner.cleanup());
  const sock = await openSocket(port);
  t.after(() => sock.destroy());
  let out = '';
  sock.setEncoding('latin1').on('data', (d: string) => out += d);
  sock.write('GET /r?n=1 HTTP/1.1\r\nHost: x\r\n\r\n');
  while (!out.endsWith('answered 1')) await once(sock, 'data');
  const closed = once(sock, 'close');
  await runner.cleanup();
  await closed;
  const late = await openSocket(port).then(() => 'connected', (e: NodeJS.ErrnoException) => e.code);
  assert.equal(late, 'ECONNREFUSED');
});
