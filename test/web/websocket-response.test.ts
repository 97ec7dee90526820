// WebSocketResponse: the server side of a WebSocket, through the router,
// middlewares and handler task like any request; `ws` does the framing.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { ClientSession, WSServerHandshakeError } from '../../src/client/index.js';
import * as web from '../../src/web/index.js';
import { CancelledError, InvalidStateError } from '../../src/core/errors.js';
import { sleep } from '../../src/core/sleep.js';
import { refusesOption } from '../helpers/refuses-option.js';
import { clientFor } from './helpers.js';
import { handshakeText, RawPeer } from './ws-raw.js';

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
  return { app, client, lines, port: client.server.port, url: client.makeUrl('/ws').replace(/^http/, 'ws') };
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

test('options: unknown names and bad values are refused, naming the option', async () => {
  await refusesOption(() => new web.WebSocketResponse({ max_msg_size: 10 } as never), /unknown option "max_msg_size"; did you mean "maxMsgSize"/);
  await refusesOption(() => new web.WebSocketResponse({ closeTimeout: 1 } as never), /unknown option "closeTimeout"/);
  assert.throws(() => new web.WebSocketResponse({ maxMsgSize: -1 }), /maxMsgSize/);
  assert.throws(() => new web.WebSocketResponse({ protocols: 'chat' as never }), /protocols must be an array of strings/);
  assert.throws(() => new web.WebSocketResponse({ compress: 1 as never }), /compress must be a boolean/);
  assert.throws(() => new web.WebSocketResponse({ timeout: '10' as never }), /WebSocketResponse\(\): timeout must be a number of seconds/);
  assert.throws(() => new web.WebSocketResponse({ heartbeat: 0 }), RangeError);
  assert.throws(() => new web.WebSocketResponse({ autoping: 'yes' as never }), /autoping must be a boolean/);
  const ws = new web.WebSocketResponse();
  assert.equal(ws.prepared, false);
  assert.equal(ws.wsProtocol, null);
  assert.equal(ws.status, 101);
  await assert.rejects(ws.sendStr('x'), InvalidStateError);
});

test('canPrepare() says whether the handshake is good and which subprotocol would be chosen, without answering', async (t) => {
  const seen: web.WebSocketReady[] = [];
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse({ protocols: ['chat.v1', 'chat.v2'] });
    const ready = ws.canPrepare(request);
    seen.push(ready);
    if (!ready.ok) return new web.Response({ text: 'not a websocket' });
    await ws.prepare(request);
    assert.throws(() => ws.canPrepare(request), InvalidStateError);
    await ws.sendStr(ws.wsProtocol ?? 'none');
    return ws;
  });
  const client = await clientFor(t, app, { accessLog: null });
  assert.equal(await (await client.get('/ws')).text(), 'not a websocket');
  const ws = await client.wsConnect('/ws', { protocols: ['chat.v2', 'chat.v1'] });
  // The first the client offers that the server speaks, as aiohttp.
  assert.equal(await ws.receiveStr(), 'chat.v2');
  assert.equal(ws.protocol, 'chat.v2');
  // No overlap: no subprotocol in the answer (a client that insists may then give up, as `ws`'s does).
  const none = await RawPeer.open(client.server.port, handshakeText('/ws', 'Sec-WebSocket-Protocol: other\r\n'));
  t.after(() => none.close());
  assert.equal(await none.status(), 101);
  assert.doesNotMatch(none.head, /Sec-WebSocket-Protocol/i);
  assert.equal(await none.text(0), 'none');
  assert.deepEqual(seen, [{ ok: false, protocol: null }, { ok: true, protocol: 'chat.v2' }, { ok: true, protocol: null }]);
});

test('headers and cookies set before prepare() go out on the 101; the handshake\'s own are not doubled', async (t) => {
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse();
    ws.headers.set('X-Server', 'aiots');
    ws.headers.set('Connection', 'keep-alive');
    ws.setCookie('session', 'abc', { httpOnly: true });
    await ws.prepare(request);
    assert.throws(() => ws.setCookie('late', '1'), InvalidStateError);
    await ws.close();
    return ws;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const peer = new WebSocket(client.makeUrl('/ws').replace(/^http/, 'ws'));
  t.after(() => peer.terminate());
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => peer.once('upgrade', resolve).once('error', reject));
  assert.equal(res.statusCode, 101);
  assert.equal(res.headers['x-server'], 'aiots');
  assert.deepEqual(res.headers['set-cookie'], ['session=abc; Path=/; HttpOnly']);
  assert.equal(res.headers.connection, 'Upgrade');
});

test('the handler returning with the socket open closes it with 1000; a failure after prepare() closes it with 1011', async (t) => {
  const errors: unknown[] = [];
  const app = new web.Application();
  app.router.addGet('/return', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    await ws.sendStr('bye');
    return ws;
  });
  app.router.addGet('/throw', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    throw new Error('boom');
  });
  app.router.addGet('/http-exception', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    throw new web.HTTPForbidden();
  });
  app.router.addGet('/cancelled', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    throw new CancelledError();
  });
  app.router.addGet('/closing', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    void ws.close({ code: 4000, message: 'mine' });
    throw new Error('after close');
  });
  const client = await clientFor(t, app, { accessLog: null, errorLog: (_m, e) => errors.push(e) });
  async function codeOf(path: string): Promise<[number | null, string[]]> {
    const ws = await client.wsConnect(path);
    const texts: string[] = [];
    for await (const msg of ws) if (msg.type === web.WSMsgType.TEXT) texts.push(msg.data);
    return [ws.closeCode, texts];
  }
  assert.deepEqual(await codeOf('/return'), [1000, ['bye']]);
  assert.deepEqual(await codeOf('/throw'), [1011, []]);
  assert.deepEqual(await codeOf('/http-exception'), [1011, []]);
  assert.deepEqual(await codeOf('/cancelled'), [1011, []]);
  assert.deepEqual(await codeOf('/closing'), [4000, []]);
  assert.deepEqual(errors.map((e) => (e as Error).message), ['boom', '403: Forbidden', 'after close']);
});

test('a peer that goes away: a pending receive() returns CLOSE (1006), then CLOSED', async (t) => {
  const got: web.WSMessage[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const { port } = await wsApp(t, async (ws) => {
    try {
      await ws.sendStr('ready');
      got.push(await ws.receive());
      got.push(await ws.receive());
    } finally {
      done();
    }
  });
  const peer = await RawPeer.open(port, handshakeText('/ws'));
  assert.equal(await peer.text(0), 'ready');
  peer.socket.destroy();
  await finished;
  assert.deepEqual(got.map((m) => [m.type, m.data]), [[web.WSMsgType.CLOSE, 1006], [web.WSMsgType.CLOSED, null]]);
});

test('with handlerCancellation, the handler is cancelled when the peer goes away, and its finally runs', async (t) => {
  let state = 'running';
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const { port } = await wsApp(t, async (ws) => {
    try {
      await ws.sendStr('ready');
      await sleep(30);
      state = 'slept through';
    } catch (e) {
      state = e instanceof CancelledError ? 'cancelled' : `failed: ${String(e)}`;
      throw e;
    } finally {
      done();
    }
  }, undefined, { handlerCancellation: true });
  const peer = await RawPeer.open(port, handshakeText('/ws'));
  assert.equal(await peer.text(0), 'ready');
  peer.socket.destroy();
  await finished;
  assert.equal(state, 'cancelled');
});

test('prepare() twice is a no-op; a second WebSocketResponse on the same request is refused', async (t) => {
  const { client } = await wsApp(t, async (ws, request) => {
    await ws.prepare(request);
    await assert.rejects(new web.WebSocketResponse().prepare(request), InvalidStateError);
    await ws.sendStr('one socket');
  });
  const ws = await client.wsConnect('/ws');
  assert.equal(await ws.receiveStr(), 'one socket');
});

test('the client\'s close code and reason reach the handler\'s receive()', async (t) => {
  let got: web.WSMessage | undefined;
  const { client } = await wsApp(t, async (ws) => {
    got = await ws.receive();
  });
  const ws = await client.wsConnect('/ws');
  await ws.close({ code: 4001, message: 'done here' });
  assert.deepEqual(got, { type: web.WSMsgType.CLOSE, data: 4001, extra: 'done here' });
});

test('maxMsgSize 0 means no limit; compress false declines permessage-deflate', async (t) => {
  const { client } = await wsApp(t, undefined, { maxMsgSize: 0, compress: false });
  const ws = await client.wsConnect('/ws', { maxMsgSize: 0 });
  const big = Buffer.alloc(5 * 1024 * 1024, 7);
  await ws.sendBytes(big);
  const back = await ws.receiveBytes();
  assert.equal(back.length, big.length);
  const { url } = await wsApp(t, undefined, { compress: false });
  const peer = new WebSocket(url, { perMessageDeflate: true });
  t.after(() => peer.terminate());
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => peer.once('upgrade', resolve).once('error', reject));
  assert.equal(res.headers['sec-websocket-extensions'], undefined);
});

test('an open WebSocket outlives the server\'s requestTimeout and headersTimeout (they are HTTP\'s, not the upgraded connection\'s)', async (t) => {
  const { client } = await wsApp(t, undefined, undefined, { requestTimeout: 0.5, headersTimeout: 0.5 });
  const ws = await client.wsConnect('/ws');
  await sleep(1.6);
  await ws.sendStr('still here');
  assert.equal(await ws.receiveStr(), 'echo: still here');
  assert.equal(ws.closed, false);
});

test('a client that leaves before prepare() is seen (request.signal aborts); prepare() then raises ConnectionResetError', async (t) => {
  let outcome = 'not run';
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    try {
      const signal = request.signal;
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      const ws = new web.WebSocketResponse();
      try {
        await ws.prepare(request);
        outcome = 'prepared';
      } catch (e) {
        outcome = e instanceof web.ConnectionResetError ? 'reset' : String(e);
        throw e;
      }
      return ws;
    } finally {
      done();
    }
  });
  const errors: unknown[] = [];
  const client = await clientFor(t, app, { accessLog: null, errorLog: (_m, e) => errors.push(e) });
  const peer = await RawPeer.open(client.server.port, handshakeText('/ws'));
  await sleep(0.05);
  peer.socket.destroy();
  await finished;
  assert.equal(outcome, 'reset');
  await sleep(0.05);
  // A client that left is not a server error (as for any request).
  assert.deepEqual(errors, []);
});

test('after its own close(), receive() gives CLOSED (the peer\'s answer is close()\'s, as aiohttp), on the server and on the client', async (t) => {
  const seen: number[] = [];
  const { client } = await wsApp(t, async (ws) => {
    // The second client closes first: its handler just ends.
    if ((await ws.receive()).type !== web.WSMsgType.TEXT) return;
    assert.equal(await ws.close({ code: 4000, message: 'bye' }), true);
    seen.push((await ws.receive()).type, (await ws.receive()).type);
  });
  const ws = await client.wsConnect('/ws', { autoclose: true });
  await ws.sendStr('close please');
  const msg = await ws.receive();
  assert.equal(msg.type, web.WSMsgType.CLOSE);
  assert.equal(msg.data, 4000);
  for (let i = 0; i < 200 && seen.length < 2; i++) await sleep(0.01);
  assert.deepEqual(seen, [web.WSMsgType.CLOSED, web.WSMsgType.CLOSED]);

  // The client's own close() likewise.
  const ws2 = await client.wsConnect('/ws');
  assert.equal(await ws2.close(), true);
  assert.equal((await ws2.receive()).type, web.WSMsgType.CLOSED);
});

test('a send cut off by the closing connection fails with web.ConnectionResetError on the server', async (t) => {
  let failure: unknown = null;
  let stalled: () => void = () => {};
  const stalledNow = new Promise<void>((resolve) => { stalled = resolve; });
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => { done = resolve; });
  const { url } = await wsApp(t, async (ws) => {
    const chunk = Buffer.alloc(1024, 1);
    try {
      for (;;) {
        const sending = ws.sendBytes(chunk);
        // Over the high-water mark the send waits: the peer does not read.
        if ((ws._wsSocket()?.bufferedAmount ?? 0) > 64 * 1024) stalled();
        await sending;
      }
    } catch (e) {
      failure = e;
    } finally {
      done();
    }
  });
  const peer = new WebSocket(url);
  peer.on('error', () => {});
  await new Promise<void>((resolve) => peer.once('upgrade', (res) => { res.socket.pause(); resolve(); }));
  await stalledNow;
  peer.terminate();
  await finished;
  assert.ok(failure instanceof web.ConnectionResetError, `got ${String(failure)}`);
});
