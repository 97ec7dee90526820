// WebSocket clients nobody here wrote against an aiots WebSocketResponse echo
// server: the `ws` package's own client, Node's built-in WebSocket (global on
// Node 22+) and undici's, which Node's is built from.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocket as WsWebSocket } from 'ws';
import { TestServer } from '../../src/testing/index.js';
import { Application, WebSocketResponse, WSMsgType, type Request, type WebSocketResponseOptions } from '../../src/web/index.js';

/** What the server's handler saw of one connection. */
interface Seen {
  /** The subprotocol chosen (null for none, as aiohttp's `ws_protocol`). */
  protocol: string | null;
  /** The peer's CLOSE message (code, reason), if one came. */
  close: { code: number; reason: string } | null;
  /** Every message type `receive()` gave, in order. */
  types: number[];
  /** `closeCode` once the handler is done. */
  closeCode: number | null;
}

/**
 * An echo server: TEXT and BINARY come back as they came; the text
 * `close CODE` makes the server close with CODE and the reason 'server bye'.
 * Resolves each connection's {@link Seen} once its handler ends.
 */
async function echoServer(t: TestContext, options: WebSocketResponseOptions = {}): Promise<{ url: string; seen: () => Promise<Seen> }> {
  const done: Seen[] = [];
  const waiting: ((s: Seen) => void)[] = [];
  async function echo(request: Request): Promise<WebSocketResponse> {
    const ws = new WebSocketResponse({ protocols: ['chat', 'superchat'], ...options });
    await ws.prepare(request);
    const seen: Seen = { protocol: ws.wsProtocol, close: null, types: [], closeCode: null };
    try {
      for (;;) {
        const msg = await ws.receive();
        seen.types.push(msg.type);
        if (msg.type === WSMsgType.TEXT) {
          const m = /^close (\d+)$/.exec(msg.data);
          if (m) await ws.close({ code: Number(m[1]), message: 'server bye' });
          else await ws.sendStr(msg.data);
        } else if (msg.type === WSMsgType.BINARY) {
          await ws.sendBytes(msg.data);
        } else if (msg.type === WSMsgType.PING) {
          await ws.pong(msg.data); // only with autoping: false
        } else if (msg.type === WSMsgType.CLOSE) {
          seen.close = { code: msg.data, reason: msg.extra };
        } else {
          break; // CLOSED, CLOSING, ERROR
        }
      }
    } finally {
      seen.closeCode = ws.closeCode;
      const w = waiting.shift();
      if (w) w(seen);
      else done.push(seen);
    }
    return ws;
  }
  const app = new Application();
  app.router.addGet('/echo', echo);
  const server = new TestServer(app);
  await server.start();
  t.after(() => server.close());
  return {
    url: server.makeUrl('/echo').replace(/^http/, 'ws'),
    seen: () => {
      const s = done.shift();
      return s ? Promise.resolve(s) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

// ---- the `ws` package's client ----

async function wsOpen(t: TestContext, url: string, protocols?: string[], options: ConstructorParameters<typeof WsWebSocket>[2] = {}): Promise<WsWebSocket> {
  const ws = new WsWebSocket(url, protocols, options);
  t.after(() => ws.terminate());
  await once(ws, 'open');
  return ws;
}

function wsNext(ws: WsWebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    const onClose = (code: number) => reject(new Error(`closed (${code}) before a message came`));
    ws.once('close', onClose);
    ws.once('message', (data: Buffer, isBinary: boolean) => {
      ws.off('close', onClose);
      resolve({ data, isBinary });
    });
  });
}

async function wsClosed(ws: WsWebSocket): Promise<{ code: number; reason: string }> {
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString('utf8') };
}

test('ws client: text and binary messages come back as they went', async (t) => {
  const srv = await echoServer(t);
  const ws = await wsOpen(t, srv.url);
  ws.send('héllo, wörld');
  assert.deepEqual(await wsNext(ws), { data: Buffer.from('héllo, wörld'), isBinary: false });
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  ws.send(bytes);
  assert.deepEqual(await wsNext(ws), { data: bytes, isBinary: true });
  ws.send('');
  assert.deepEqual(await wsNext(ws), { data: Buffer.alloc(0), isBinary: false });
  ws.close();
  await wsClosed(ws);
  assert.deepEqual((await srv.seen()).types, [WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.TEXT, WSMsgType.CLOSE, WSMsgType.CLOSED]);
});

test('ws client: a ping is answered with a pong carrying its payload (autoping), and never reaches receive()', async (t) => {
  const srv = await echoServer(t);
  const ws = await wsOpen(t, srv.url);
  ws.ping('are you there');
  const [payload] = (await once(ws, 'pong')) as [Buffer];
  assert.equal(payload.toString(), 'are you there');
  ws.send('after the ping');
  assert.equal((await wsNext(ws)).data.toString(), 'after the ping');
  ws.close();
  await wsClosed(ws);
  assert.deepEqual((await srv.seen()).types, [WSMsgType.TEXT, WSMsgType.CLOSE, WSMsgType.CLOSED]);
});

test('ws client: with autoping false the handler receives the PING (and answers it itself)', async (t) => {
  const srv = await echoServer(t, { autoping: false });
  const ws = await wsOpen(t, srv.url);
  ws.ping('p');
  const [payload] = (await once(ws, 'pong')) as [Buffer];
  assert.equal(payload.toString(), 'p');
  ws.send('x');
  assert.equal((await wsNext(ws)).data.toString(), 'x');
  ws.close();
  await wsClosed(ws);
  assert.deepEqual((await srv.seen()).types.slice(0, 2), [WSMsgType.PING, WSMsgType.TEXT]);
});

test('ws client closes with a code and reason: the handler sees them and the server answers with the same code', async (t) => {
  const srv = await echoServer(t);
  const ws = await wsOpen(t, srv.url);
  ws.close(4001, 'client bye');
  const closed = await wsClosed(ws);
  assert.equal(closed.code, 4001);
  const seen = await srv.seen();
  assert.deepEqual(seen.close, { code: 4001, reason: 'client bye' });
  assert.equal(seen.closeCode, 4001);
});

test('the server closes with a code and reason: the ws client gets both', async (t) => {
  const srv = await echoServer(t);
  const ws = await wsOpen(t, srv.url);
  ws.send('close 4002');
  assert.deepEqual(await wsClosed(ws), { code: 4002, reason: 'server bye' });
  assert.equal((await srv.seen()).closeCode, 4002);
});

test('a ws client that drops the connection without a close frame: the handler sees 1006 and ends', async (t) => {
  const srv = await echoServer(t);
  const ws = await wsOpen(t, srv.url);
  ws.send('one');
  await wsNext(ws);
  ws.terminate();
  const seen = await srv.seen();
  assert.equal(seen.closeCode, 1006);
  assert.deepEqual(seen.types.slice(0, 2), [WSMsgType.TEXT, WSMsgType.CLOSE]);
});

test('ws client: the subprotocol is the first one the client offers that the server speaks, as aiohttp picks it', async (t) => {
  const srv = await echoServer(t);
  const ws = await wsOpen(t, srv.url, ['mqtt', 'superchat', 'chat']);
  assert.equal(ws.protocol, 'superchat');
  ws.close();
  await wsClosed(ws);
  assert.equal((await srv.seen()).protocol, 'superchat');
  const plain = await wsOpen(t, srv.url);
  assert.equal(plain.protocol, '');
  plain.close();
  await wsClosed(plain);
  assert.equal((await srv.seen()).protocol, null);
});

/** Open with permessage-deflate offered; count the bytes that come back over the wire. */
async function deflateRoundTrip(t: TestContext, url: string): Promise<{ extensions: string; wireBytes: number }> {
  let socket: Socket | undefined;
  const ws = new WsWebSocket(url, { perMessageDeflate: true });
  t.after(() => ws.terminate());
  ws.once('upgrade', (res) => {
    socket = res.socket;
  });
  await once(ws, 'open');
  const before = socket!.bytesRead;
  const text = 'all work and no play makes Jack a dull boy. '.repeat(24_000); // ~1 MiB
  ws.send(text);
  const { data } = await wsNext(ws);
  assert.equal(data.toString(), text);
  const wireBytes = socket!.bytesRead - before;
  ws.close();
  await wsClosed(ws);
  return { extensions: ws.extensions, wireBytes };
}

test('ws client with permessage-deflate: negotiated, and a 1 MiB text comes back compressed on the wire', async (t) => {
  const srv = await echoServer(t, { maxMsgSize: 2 * 1024 * 1024 });
  const { extensions, wireBytes } = await deflateRoundTrip(t, srv.url);
  assert.match(extensions, /^permessage-deflate/);
  assert.ok(wireBytes < 100_000, `${wireBytes} bytes on the wire for ~1 MiB of text`);
});

test('ws client with permessage-deflate against compress: false: not negotiated, the text comes back whole', async (t) => {
  const srv = await echoServer(t, { maxMsgSize: 2 * 1024 * 1024, compress: false });
  const { extensions, wireBytes } = await deflateRoundTrip(t, srv.url);
  assert.equal(extensions, '');
  assert.ok(wireBytes > 1_000_000, `${wireBytes} bytes on the wire`);
});

// ---- the WHATWG WebSocket: Node's global (22+) and undici's ----

type WhatwgWebSocket = typeof UndiciWebSocket;
const nodeGlobal = (globalThis as { WebSocket?: WhatwgWebSocket }).WebSocket;
const clients: [string, WhatwgWebSocket | undefined, string][] = [
  ['the built-in WebSocket of Node', nodeGlobal, `Node ${process.version} has no global WebSocket (Node 22+ has)`],
  ['the WebSocket of undici (which Node builds its own from)', UndiciWebSocket, ''],
];

function whatwgNext(ws: InstanceType<WhatwgWebSocket>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    ws.addEventListener('message', (ev) => resolve(ev.data), { once: true });
    ws.addEventListener('close', () => reject(new Error('closed before a message came')), { once: true });
  });
}

function whatwgClosed(ws: InstanceType<WhatwgWebSocket>): Promise<{ code: number; reason: string; wasClean: boolean }> {
  return new Promise((resolve) => ws.addEventListener('close', (ev) => resolve({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean }), { once: true }));
}

async function whatwgOpen(t: TestContext, Ctor: WhatwgWebSocket, url: string): Promise<InstanceType<WhatwgWebSocket>> {
  const ws = new Ctor(url);
  t.after(() => ws.close());
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`could not connect to ${url}`)), { once: true });
  });
  return ws;
}

for (const [name, Ctor, missing] of clients) {
  const skip = Ctor === undefined ? missing : false;

  test(`${name}: text, and binary as Blob and as ArrayBuffer`, { skip }, async (t) => {
    const srv = await echoServer(t);
    const ws = await whatwgOpen(t, Ctor!, srv.url);
    ws.send('héllo');
    assert.equal(await whatwgNext(ws), 'héllo');
    const bytes = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
    // binaryType is 'blob' by default, as in browsers.
    ws.send(bytes.buffer);
    const blob = await whatwgNext(ws);
    assert.ok(blob instanceof Blob);
    assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), bytes);
    ws.binaryType = 'arraybuffer';
    ws.send(new Blob([bytes]));
    const ab = await whatwgNext(ws);
    assert.ok(ab instanceof ArrayBuffer);
    assert.deepEqual(new Uint8Array(ab), bytes);
    ws.close();
    await whatwgClosed(ws);
    assert.deepEqual((await srv.seen()).types.slice(0, 3), [WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.BINARY]);
  });

  test(`${name}: close code and reason, from the client and from the server`, { skip }, async (t) => {
    const srv = await echoServer(t);
    const a = await whatwgOpen(t, Ctor!, srv.url);
    const aClosed = whatwgClosed(a);
    a.close(4003, 'node bye');
    const closedA = await aClosed;
    assert.equal(closedA.code, 4003);
    assert.equal(closedA.wasClean, true);
    const seenA = await srv.seen();
    assert.deepEqual(seenA.close, { code: 4003, reason: 'node bye' });
    assert.equal(seenA.closeCode, 4003);

    const b = await whatwgOpen(t, Ctor!, srv.url);
    const bClosed = whatwgClosed(b);
    b.send('close 4004');
    assert.deepEqual(await bClosed, { code: 4004, reason: 'server bye', wasClean: true });
    assert.equal((await srv.seen()).closeCode, 4004);
  });
}
