// What the server's 'upgrade' listener does to requests that are not
// WebSocket handshakes: Node sends every `Connection: upgrade` request there
// once anyone listens, body unread; these go back to the HTTP parser and are
// served as before (curl --http2 sends `Upgrade: h2c` on a plain POST).
// And WebSockets over TLS.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import * as web from '../../src/web/index.js';
import { selfSignedCert } from '../tls-certs.js';
import { clientFor, openSocket, rawRequest } from './helpers.js';

// Known gap (issue 11): on Node 26 an upgrade request that is not a WebSocket
// handshake (h2c, or with a body) is no longer handed back to the HTTP parser
// by re-emitting 'connection', and its client waits forever. The fix is
// Node 24.9+'s `shouldUpgradeCallback` (only WebSocket handshakes upgrade);
// until it lands these tests are skipped there, with this reason.
const REPARSE = Number(process.versions.node.split('.')[0]) >= 26
  ? { skip: 'Node 26: non-WebSocket upgrade requests are not handed back to the parser yet (issue 11, shouldUpgradeCallback)' }
  : {};

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
async function readResponse(sock: import('node:net').Socket): Promise<string> {
  let out = '';
  for (;;) {
    const [d] = (await once(sock, 'data')) as [Buffer];
    out += d.toString('latin1');
    const i = out.indexOf('\r\n\r\n');
    const m = /content-length: (\d+)/i.exec(out);
    if (i !== -1 && m !== null && out.length >= i + 4 + Number(m[1])) return out;
  }
}

test('an h2c upgrade request with a body is served as a plain request, body included, and the connection stays open', REPARSE, async (t) => {
  const client = await clientFor(t, app());
  const sock = await openSocket(client.server.port);
  t.after(() => sock.destroy());
  sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 10\r\n\r\nhello');
  setTimeout(() => sock.write('world'), 20);
  const first = await readResponse(sock);
  assert.match(first, /^HTTP\/1\.1 200 /);
  assert.match(first, /body=helloworld upgrade=-$/);
  assert.doesNotMatch(first, /Connection: close/i);
  sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
  assert.match(await readResponse(sock), /body=abc upgrade=-$/);
});

test('a WebSocket handshake that carries a body is no handshake: a plain route gets the body, the WebSocket route answers 400', REPARSE, async (t) => {
  const client = await clientFor(t, app());
  const handshake = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  const a = await openSocket(client.server.port);
  t.after(() => a.destroy());
  a.write(`POST /echo HTTP/1.1\r\nHost: x\r\n${handshake}Content-Length: 5\r\n\r\nhello`);
  assert.match(await readResponse(a), /body=hello upgrade=-$/);
  const b = await openSocket(client.server.port);
  t.after(() => b.destroy());
  b.write(`GET /ws HTTP/1.1\r\nHost: x\r\n${handshake}Content-Length: 5\r\n\r\nhello`);
  const answer = await readResponse(b);
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.doesNotMatch(answer, /Sec-WebSocket-Accept/i);
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

test('over TLS too, an h2c upgrade request with a body is served as a plain request', REPARSE, async (t) => {
  const client = await httpsClient(t);
  const { connect } = await import('node:tls');
  const sock = connect({ host: '127.0.0.1', port: client.server.port, rejectUnauthorized: false });
  t.after(() => sock.destroy());
  await once(sock, 'secureConnect');
  sock.write('POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhello');
  assert.match(await readResponse(sock), /body=hello upgrade=-$/);
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

test('pipelined h2c upgrade requests with bodies are each served in order', REPARSE, async (t) => {
  const client = await clientFor(t, app());
  const one = (body: string): string => `POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const out = await rawRequest(client.server.port, `${one('first')}${one('second')}GET /none HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { until: /404: Not Found$/ });
  assert.match(out, /body=first upgrade=-.*body=second upgrade=-.*404: Not Found$/s);
});
