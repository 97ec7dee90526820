// Broken and hostile input to WebSocketResponse, from raw peers: the limits
// `ws` enforces surface as the right close codes, a bad handshake is a 400
// with no upgrade, and nothing here stops the server from serving.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';
import { frame, handshakeText, RawPeer } from './ws-raw.js';

interface Seen {
  readonly messages: web.WSMessage[];
  readonly errors: unknown[];
  readonly ended: Promise<void>;
}

async function server(t: TestContext, options?: web.WebSocketResponseOptions): Promise<{ port: number; seen: Seen; client: Awaited<ReturnType<typeof clientFor>> }> {
  const messages: web.WSMessage[] = [];
  const errors: unknown[] = [];
  let ended!: () => void;
  const seen: Seen = { messages, errors, ended: new Promise<void>((r) => (ended = r)) };
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse(options);
    try {
      await ws.prepare(request);
      for (;;) {
        const msg = await ws.receive();
        messages.push(msg);
        if (msg.type === web.WSMsgType.TEXT) await ws.sendStr(`echo: ${msg.data}`);
        if (msg.type === web.WSMsgType.CLOSE || msg.type === web.WSMsgType.CLOSED) break;
      }
      return ws;
    } finally {
      ended();
    }
  });
  app.router.addGet('/plain', () => new web.Response({ text: 'plain answer' }));
  const client = await clientFor(t, app, { accessLog: null, errorLog: (_m, e) => errors.push(e) });
  return { port: client.server.port, seen, client };
}

/** The server still answers a plain request and a WebSocket. */
async function stillServes(client: Awaited<ReturnType<typeof clientFor>>): Promise<void> {
  const resp = await client.get('/plain');
  assert.equal(await resp.text(), 'plain answer');
  const ws = await client.wsConnect('/ws');
  await ws.sendStr('ok?');
  assert.equal(await ws.receiveStr(), 'echo: ok?');
  await ws.close();
}

const closeCases: { name: string; frames: () => Buffer; code: number; options?: web.WebSocketResponseOptions }[] = [
  { name: 'a message over maxMsgSize', frames: () => frame(2, Buffer.alloc(2000)), code: 1009, options: { maxMsgSize: 1000 } },
  { name: 'a fragmented message over maxMsgSize', frames: () => Buffer.concat([frame(1, 'x'.repeat(600), { fin: false }), frame(0, 'y'.repeat(600))]), code: 1009, options: { maxMsgSize: 1000 } },
  { name: 'invalid UTF-8 in a text frame', frames: () => frame(1, Buffer.from([0x68, 0xc3, 0x28])), code: 1007 },
  { name: 'an unmasked client frame', frames: () => frame(1, 'hi', { mask: false }), code: 1002 },
  { name: 'a reserved opcode (0x3)', frames: () => frame(3, 'x'), code: 1002 },
  { name: 'a reserved control opcode (0xb)', frames: () => frame(0xb, ''), code: 1002 },
  { name: 'RSV2 set with no extension', frames: () => frame(1, 'x', { rsv: 2 }), code: 1002 },
  { name: 'a continuation with nothing to continue', frames: () => frame(0, 'x'), code: 1002 },
  { name: 'a fragmented ping', frames: () => frame(9, 'x', { fin: false }), code: 1002 },
  { name: 'a ping over 125 bytes', frames: () => frame(9, Buffer.alloc(126)), code: 1002 },
  { name: 'a close frame with a 1-byte payload', frames: () => frame(8, Buffer.from([3])), code: 1002 },
  { name: 'a close frame with an invalid code (1005)', frames: () => frame(8, Buffer.from([0x03, 0xed])), code: 1002 },
];

for (const c of closeCases) {
  test(`${c.name} → the server closes with ${c.code}, and goes on serving`, async (t) => {
    const { port, seen, client } = await server(t, c.options);
    const peer = await RawPeer.open(port, handshakeText('/ws'));
    t.after(() => peer.close());
    assert.equal(await peer.status(), 101);
    peer.socket.write(c.frames());
    assert.equal(await peer.closeCode(), c.code);
    await seen.ended;
    // The handler saw the error, then the end of the connection; never the bad message.
    assert.ok(seen.messages.some((m) => m.type === web.WSMsgType.ERROR), `no ERROR message in ${seen.messages.map((m) => m.type).join(',')}`);
    assert.ok(!seen.messages.some((m) => m.type === web.WSMsgType.TEXT || m.type === web.WSMsgType.BINARY));
    assert.deepEqual(seen.errors, []);
    await stillServes(client);
  });
}

const refusedHandshakes: { name: string; text: string; status: number }[] = [
  { name: 'a key that is not base64 of 16 bytes', text: handshakeText('/ws', '', 'c2hvcnQ='), status: 400 },
  { name: 'a key with a character outside base64', text: handshakeText('/ws', '', 'dGhlIHNhbXBsZSBub25jZ!=='), status: 400 },
  { name: 'no key', text: 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n', status: 400 },
  { name: 'version 12', text: handshakeText('/ws').replace('Version: 13', 'Version: 12'), status: 400 },
  { name: 'no version', text: handshakeText('/ws').replace('Sec-WebSocket-Version: 13\r\n', ''), status: 400 },
  { name: 'Upgrade: h2c', text: handshakeText('/ws').replace('Upgrade: websocket', 'Upgrade: h2c'), status: 400 },
  { name: 'a malformed Sec-WebSocket-Protocol', text: handshakeText('/ws', 'Sec-WebSocket-Protocol: a,,b\r\n'), status: 400 },
  { name: 'a malformed Sec-WebSocket-Extensions', text: handshakeText('/ws', 'Sec-WebSocket-Extensions: permessage-deflate; =\r\n'), status: 400 },
  { name: 'POST', text: handshakeText('/ws').replace('GET', 'POST'), status: 405 },
];

for (const c of refusedHandshakes) {
  test(`a handshake with ${c.name} → ${c.status} and no upgrade, then the connection closes`, async (t) => {
    const { port, client } = await server(t);
    const peer = await RawPeer.open(port, c.text);
    t.after(() => peer.close());
    assert.equal(await peer.status(), c.status);
    assert.doesNotMatch(peer.head, /Sec-WebSocket-Accept/i);
    await peer.end();
    await stillServes(client);
  });
}

test('a bad version is told which versions the server speaks (RFC 6455 §4.4)', async (t) => {
  const { port } = await server(t);
  const peer = await RawPeer.open(port, handshakeText('/ws').replace('Version: 13', 'Version: 12'));
  t.after(() => peer.close());
  assert.equal(await peer.status(), 400);
  assert.match(peer.head, /Sec-WebSocket-Version: 13, 8/i);
});

test('an upgrade request on a route that does not do WebSockets gets its normal answer, then the connection closes', async (t) => {
  const { port, client } = await server(t);
  const peer = await RawPeer.open(port, handshakeText('/plain'));
  t.after(() => peer.close());
  assert.equal(await peer.status(), 200);
  await peer.end();
  assert.match(peer.rest, /plain answer$/);
  assert.match(peer.head, /Connection: close/i);
  const missing = await RawPeer.open(port, handshakeText('/nowhere'));
  t.after(() => missing.close());
  assert.equal(await missing.status(), 404);
  await missing.end();
  await stillServes(client);
});

test('a plain GET (no upgrade) on a WebSocket route: prepare() raises 400, as aiohttp', async (t) => {
  const { client } = await server(t);
  const resp = await client.get('/ws');
  assert.equal(resp.status, 400);
  assert.match(await resp.text(), /No WebSocket UPGRADE hdr/);
});

test('bytes sent right after the handshake, in the same packet, reach the WebSocket', async (t) => {
  const { port } = await server(t);
  const peer = await RawPeer.open(port, Buffer.concat([Buffer.from(handshakeText('/ws')), frame(1, 'first'), frame(1, 'second')]));
  t.after(() => peer.close());
  assert.equal(await peer.status(), 101);
  assert.equal(await peer.text(0), 'echo: first');
  assert.equal(await peer.text(1), 'echo: second');
});

test('an upgrade GET with a body or garbage after the headers does not crash the server', async (t) => {
  const { port, client } = await server(t);
  const cases = [
    `${handshakeText('/ws', 'Content-Length: 5\r\n')}hello`,
    `${handshakeText('/ws')}\x00\x01garbage that is no frame at all\r\n\r\n`,
    `${handshakeText('/plain', 'Content-Length: 5\r\n')}helloGARBAGE`,
    `${handshakeText('/plain', 'Transfer-Encoding: chunked\r\n')}zz\r\n`,
  ];
  for (const text of cases) {
    const peer = await RawPeer.open(port, text);
    t.after(() => peer.close());
    const status = await peer.status();
    assert.ok([101, 200, 400].includes(status), `status ${status} for ${JSON.stringify(text.slice(0, 40))}`);
    // Whatever the answer, the server ends the connection (a close frame for a 101).
    if (status === 101) assert.ok((await peer.closeCode()) !== null);
    peer.close();
  }
  await stillServes(client);
});

test('a client that resets the connection mid-handshake or mid-message does not crash the server', async (t) => {
  const { port, client } = await server(t);
  const a = await RawPeer.open(port, handshakeText('/ws').slice(0, 40));
  a.socket.resetAndDestroy();
  const b = await RawPeer.open(port, Buffer.concat([Buffer.from(handshakeText('/ws')), frame(1, 'x'.repeat(1000)).subarray(0, 50)]));
  assert.equal(await b.status(), 101);
  b.socket.resetAndDestroy();
  await stillServes(client);
});
