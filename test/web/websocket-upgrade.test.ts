// Upgrade requests that are not WebSocket handshakes (curl --http2 sends
// `Upgrade: h2c` on a plain POST; a handshake with a body is none): served as
// plain HTTP/1.1 requests, body and `Upgrade` header included (aiohttp only
// upgrades to websocket), and the connection closes after the answer, on
// Node 20 (re-parsed from the 'upgrade' event) as on 24 and 26 (declined by
// shouldUpgradeCallback; Node drops what is pipelined behind such a request,
// so it must not look served). And WebSockets over TLS.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import * as web from '../../src/web/index.js';
import { selfSignedCert } from '../tls-certs.js';
import { clientFor, openSocket, rawRequest } from './helpers.js';

function app(): web.Application {
  const a = new web.Application();
  a.router.addPost('/echo', async (request) => new web.Response({ text: `body=${await request.text()} upgrade=${request.headers.get('upgrade') ?? '-'}` }));
  a.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    for await (const msg of ws) if (msg.type === web.WSMsgType.TEXT) await ws.sendStr(`echo: ${msg.data}`);
    return ws;
  });
  return a;
}

/** Read one whole response (Content-Length framed) from `sock`. */
async function readResponse(sock: Socket): Promise<string> {
  let out = '';
  for (;;) {
    const [d] = (await once(sock, 'data')) as [Buffer];
    out += d.toString('latin1');
    const i = out.indexOf('\r\n\r\n');
    const m = /content-length: (\d+)/i.exec(out);
    if (i !== -1 && m !== null && out.length >= i + 4 + Number(m[1])) return out;
  }
}

/** Read one response, then wait for the server to close the connection; give the response and what came after it. */
async function readThenClosed(sock: Socket): Promise<{ response: string; after: string }> {
  const response = await readResponse(sock);
  let after = '';
  sock.on('data', (d: Buffer) => (after += d.toString('latin1')));
  if (!sock.readableEnded) await once(sock, 'end');
  return { response, after };
}

test('an h2c upgrade request with a body is served as a plain request, body and Upgrade header included, then the connection closes', async (t) => {
  const client = await clientFor(t, app());
  const sock = await openSocket(client.server.port);
  t.after(() => sock.destroy());
  sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 10\r\n\r\nhello');
  setTimeout(() => sock.write('world'), 20);
  const { response, after } = await readThenClosed(sock);
  assert.match(response, /^HTTP\/1\.1 200 /);
  assert.match(response, /Connection: close\r\n/i);
  assert.doesNotMatch(response, /^HTTP\/1\.1 101 /m);
  assert.match(response, /body=helloworld upgrade=h2c$/);
  assert.equal(after, '');
});

test('a WebSocket handshake that carries a body is no handshake: a plain route gets the body, the WebSocket route answers 400', async (t) => {
  const client = await clientFor(t, app());
  const handshake = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  const a = await openSocket(client.server.port);
  t.after(() => a.destroy());
  a.write(`POST /echo HTTP/1.1\r\nHost: x\r\n${handshake}Content-Length: 5\r\n\r\nhello`);
  const plain = await readThenClosed(a);
  assert.match(plain.response, /body=hello upgrade=websocket$/);
  assert.match(plain.response, /Connection: close\r\n/i);
  const b = await openSocket(client.server.port);
  t.after(() => b.destroy());
  b.write(`GET /ws HTTP/1.1\r\nHost: x\r\n${handshake}Content-Length: 5\r\n\r\nhello`);
  const refused = await readThenClosed(b);
  assert.match(refused.response, /^HTTP\/1\.1 400 /);
  assert.doesNotMatch(refused.response, /Sec-WebSocket-Accept/i);
});

async function httpsClient(t: TestContext) {
  return clientFor(t, app(), { ssl: selfSignedCert() });
}

test('WebSockets over TLS (wss://): the handshake and messages go through the HTTPS site', async (t) => {
  const client = await httpsClient(t);
  const peer = new WebSocket(client.makeUrl('/ws').replace(/^https/, 'wss'), { rejectUnauthorized: false });
  t.after(() => peer.terminate());
  await new Promise((resolve, reject) => peer.once('open', resolve).once('error', reject));
  peer.send('secure');
  const data = await new Promise<Buffer>((resolve) => peer.once('message', (d: Buffer) => resolve(d)));
  assert.equal(data.toString(), 'echo: secure');
  const closed = new Promise<number>((resolve) => peer.once('close', resolve));
  peer.close(1000);
  assert.equal(await closed, 1000);
});

test('over TLS too, an h2c upgrade request with a body is served as a plain request, then the connection closes', async (t) => {
  const client = await httpsClient(t);
  const { connect } = await import('node:tls');
  const sock = connect({ host: '127.0.0.1', port: client.server.port, rejectUnauthorized: false });
  t.after(() => sock.destroy());
  await once(sock, 'secureConnect');
  sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhello');
  const { response } = await readThenClosed(sock);
  assert.match(response, /Connection: close\r\n/i);
  assert.match(response, /body=hello upgrade=h2c$/);
});

test('pipelined behind plain requests, a WebSocket handshake waits for their answers, then is upgraded (no crash)', async (t) => {
  const a = app();
  a.router.addGet('/slow', async () => {
    await new Promise((r) => setTimeout(r, 30));
    return new web.Response({ text: 'slow' });
  });
  const client = await clientFor(t, a);
  const handshake = 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const out = await rawRequest(client.server.port, `GET /slow HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok${handshake}`, { until: /Sec-WebSocket-Accept: .*\r\n\r\n/ });
  const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200', '101']);
  assert.match(out, /slow.*body=ok upgrade=-/s);
});

test('requests pipelined behind an h2c upgrade request are not answered: the first is, with Connection: close, and the connection closes', async (t) => {
  const client = await clientFor(t, app());
  const one = (body: string): string => `POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const out = await rawRequest(client.server.port, `${one('first')}${one('second')}GET /none HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.deepEqual([...out.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]), ['200']);
  assert.match(out, /Connection: close\r\n/i);
  assert.match(out, /body=first upgrade=h2c$/);
});
