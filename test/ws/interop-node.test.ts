// Node's built-in WebSocket (undici's, global from Node 22) against the aiots
// server: a client nobody here wrote, and the one browsers' code is written for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { WSMsgType } from '../../src/ws/index.js';
import { clientFor } from '../web/helpers.js';

// The WHATWG WebSocket as far as this test uses it (@types/node 20 has none).
interface NativeEvent { readonly data?: unknown; readonly code?: number; readonly reason?: string }
interface NativeWebSocket {
  binaryType: string;
  readonly protocol: string;
  send(data: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', fn: (ev: NativeEvent) => void): void;
}
const NativeWebSocket = (globalThis as { WebSocket?: new (url: string, protocols?: string[]) => NativeWebSocket }).WebSocket;
const skip = NativeWebSocket === undefined ? `Node ${process.version} has no built-in WebSocket (Node 22+)` : false;

/** The events of a native socket, awaited one at a time. */
function events(sock: NativeWebSocket): (type: string) => Promise<NativeEvent> {
  const got: Array<[string, NativeEvent]> = [];
  const waiters: Array<() => void> = [];
  for (const type of ['open', 'message', 'close', 'error'] as const) {
    sock.addEventListener(type, (ev) => {
      got.push([type, ev]);
      for (const w of waiters.splice(0)) w();
    });
  }
  return async (type) => {
    for (;;) {
      const i = got.findIndex(([t]) => t === type);
      if (i >= 0) return got.splice(i, 1)[0]![1];
      if (got.some(([t]) => t === 'error')) throw new Error(`WebSocket error while waiting for ${type}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
}

test('Node\'s built-in WebSocket against the aiots server: text, binary, subprotocol, close codes both ways', { skip }, async (t) => {
  const closes: Array<number | null> = [];
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse({ protocols: ['chat.v1', 'chat.v2'] });
    await ws.prepare(request);
    for await (const msg of ws) {
      if (msg.type === WSMsgType.TEXT && msg.data === 'close-me') await ws.close({ code: 4001, message: 'bye from aiots' });
      else if (msg.type === WSMsgType.TEXT) await ws.sendStr(`echo: ${msg.data}`);
      else if (msg.type === WSMsgType.BINARY) await ws.sendBytes(msg.data);
    }
    closes.push(ws.closeCode);
    return ws;
  });
  const client = await clientFor(t, app);
  const url = client.makeUrl('/ws').replace(/^http/, 'ws');

  const sock = new NativeWebSocket!(url, ['chat.v3', 'chat.v2']);
  sock.binaryType = 'arraybuffer';
  const next = events(sock);
  await next('open');
  assert.equal(sock.protocol, 'chat.v2');
  sock.send('héllo');
  assert.equal((await next('message')).data, 'echo: héllo');
  sock.send(new Uint8Array([0, 1, 254, 255]).buffer);
  assert.deepEqual([...new Uint8Array((await next('message')).data as ArrayBuffer)], [0, 1, 254, 255]);
  sock.send('close-me');
  const closed = await next('close');
  assert.equal(closed.code, 4001);
  assert.equal(closed.reason, 'bye from aiots');

  const again = new NativeWebSocket!(url);
  const nextAgain = events(again);
  await nextAgain('open');
  again.close(4000, 'done here');
  assert.equal((await nextAgain('close')).code, 4000);
  for (let i = 0; i < 100 && closes.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(closes, [4001, 4000]);
});
