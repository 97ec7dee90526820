// WebSocketResponse: the server side of a WebSocket, through the router,
// middlewares and handler task like any request; `ws` does the framing.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { ClientSession, WSServerHandshakeError } from '../../src/client/index.js';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

type WsHandler = (ws: web.WebSocketResponse, request: web.Request) => Promise<void>;

/** An app with an echo WebSocket at /ws (or `body` as the handler's body), and its test client. */
async function wsApp(t: TestContext, body?: WsHandler, options?: web.WebSocketResponseOptions, serverOptions?: Parameters<typeof clientFor>[2]) {
  const app = new web.Application();
  const lines: string[] = [];
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse(options);
    await ws.prepare(request);
    if (body !== undefined) await body(ws, request);
    else {
      for await (const msg of ws) {
        if (msg.type === web.WSMsgType.TEXT) await ws.sendStr(`echo: ${msg.data}`);
        else if (msg.type === web.WSMsgType.BINARY) await ws.sendBytes(msg.data);
      }
    }
    return ws;
  });
  app.router.addGet('/plain', () => new web.Response({ text: 'plain answer' }));
  const client = await clientFor(t, app, { accessLog: (l) => lines.push(l), ...serverOptions });
  return { app, client, lines, url: client.makeUrl('/ws').replace(/^http/, 'ws') };
}

function session(t: TestContext): ClientSession {
  const s = new ClientSession();
  t.after(() => s.close());
  return s;
}

test('an echo handler: text, binary and JSON both ways, then a clean close; the access log says 101', async (t) => {
  const { client, lines } = await wsApp(t);
  const ws = await client.wsConnect('/ws');
  await ws.sendStr('hi');
  assert.equal(await ws.receiveStr(), 'echo: hi');
  await ws.sendBytes(Buffer.from([1, 2, 3]));
  assert.deepEqual([...await ws.receiveBytes()], [1, 2, 3]);
  await ws.sendJson({ a: 1 });
  assert.equal(await ws.receiveStr(), 'echo: {"a":1}');
  assert.equal(await ws.close(), true);
  assert.equal(ws.closeCode, 1000);
  for (let i = 0; i < 50 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(lines[0] ?? '', /^127\.0\.0\.1 .*"GET \/ws HTTP\/1\.1" 101 /);
});

test('the ws package client and a session on a plain URL both talk to it', async (t) => {
  const { url } = await wsApp(t);
  const peer = new WebSocket(url);
  t.after(() => peer.terminate());
  await new Promise((resolve, reject) => peer.once('open', resolve).once('error', reject));
  peer.send('x');
  const data = await new Promise<Buffer>((resolve) => peer.once('message', (d: Buffer) => resolve(d)));
  assert.equal(data.toString(), 'echo: x');
  const ws = await session(t).wsConnect(url);
  await ws.sendStr('y');
  assert.equal(await ws.receiveStr(), 'echo: y');
});

test('a middleware can refuse the upgrade with an HTTPException before the handshake', async (t) => {
  const app = new web.Application({
    middlewares: [async (request, handler) => {
      if (request.headers.get('authorization') !== 'yes') throw new web.HTTPForbidden();
      return handler(request);
    }],
  });
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    await ws.sendStr('welcome');
    return ws;
  });
  const client = await clientFor(t, app, { accessLog: null });
  await assert.rejects(client.wsConnect('/ws'), (e: unknown) => e instanceof WSServerHandshakeError && e.status === 403);
  const ws = await client.wsConnect('/ws', { headers: { authorization: 'yes' } });
  assert.equal(await ws.receiveStr(), 'welcome');
});
