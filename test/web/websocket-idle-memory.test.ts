// What an open WebSocket keeps for as long as it lives: no listener left on
// the upgrade's response that only matters before the hand-over, and a
// request whose IncomingMessage keeps V8's fast properties (a property
// deleted from it made it a dictionary on Node 24 and 26: 1.6 KB more per
// idle socket; see docs/benchmarks.md, "Idle memory").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set, so the intrinsic is allowed here.
const hasFastProperties = runInThisContext('(o) => %HasFastProperties(o)') as (o: object) => boolean;

test('an open WebSocket: the request stays a fast-properties object and the response keeps no \'finish\' listener', async (t) => {
  let seen: { fast: boolean; finishListeners: number; protocol: string | null } | undefined;
  const app = new web.Application();
  app.router.addGet('/ws', async (request) => {
    const ws = new web.WebSocketResponse({ protocols: ['chat'] });
    await ws.prepare(request);
    seen = { fast: hasFastProperties(request._req), finishListeners: request._res.listenerCount('finish'), protocol: ws.wsProtocol };
    for await (const _msg of ws) {
      // Idle until the client closes.
    }
    return ws;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const ws = await client.wsConnect('/ws', { protocols: ['chat'] });
  await ws.sendStr('x');
  await ws.close();
  assert.ok(seen !== undefined);
  // The handshake extras still reached ws's 101.
  assert.equal(seen.protocol, 'chat');
  assert.equal(ws.protocol, 'chat');
  assert.equal(seen.fast, true);
  assert.equal(seen.finishListeners, 0);
});
