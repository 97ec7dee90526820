// The Autobahn frame cases (table in ./autobahn-cases.ts) sent by a real
// fuzzing peer, Python autobahn's protocol classes run by Debian's
// /usr/bin/python3, against the aiots client and the aiots server, each
// running an echo loop on the message API. `ws` passes the Autobahn suite
// itself; this shows that the layer on top keeps what it gives.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ClientSession, WSMsgType } from '../../src/client/index.js';
import { InvalidStateError, sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import type { WebSocketBase } from '../../src/ws/index.js';
import { FRAME_CASES, forPython, type FrameCase } from './autobahn-cases.js';
import { clientFor } from '../web/helpers.js';
import { PyPeer, pythonMissing } from './python-peer.js';

const missing = pythonMissing('autobahn');

interface Report {
  readonly id: string;
  readonly error?: string;
  readonly messages: ReadonlyArray<{ type: string; len: number; sha256: string; head: string }>;
  readonly closeCode: number | null;
  readonly closeReason: string | null;
  readonly closeFrame: boolean;
  readonly deflate: { serverNoContextTakeover: boolean; serverMaxWindowBits: number } | null;
}

/** Echo text and binary messages until the connection closes. */
async function echo(ws: WebSocketBase): Promise<void> {
  for await (const msg of ws) {
    try {
      if (msg.type === WSMsgType.TEXT) await ws.sendStr(msg.data);
      else if (msg.type === WSMsgType.BINARY) await ws.sendBytes(msg.data);
    } catch (e) {
      // The connection failed or closed after the message came in.
      if (!(e instanceof InvalidStateError)) throw e;
    }
  }
}

function check(c: FrameCase, report: Report, ourCloseCode: number | null): void {
  assert.equal(report.id, c.id);
  assert.equal(report.error, undefined, `the fuzzing peer failed: ${String(report.error)}`);
  const want = c.echo.map((e) => ({ type: e.type, len: e.data.length, sha256: createHash('sha256').update(e.data).digest('hex'), head: e.data.subarray(0, 24).toString('hex') }));
  const got = report.messages;
  if (c.echoMayBeCut === true) assert.deepEqual(got, want.slice(0, got.length), `${c.id}: echoed messages`);
  else assert.deepEqual(got, want, `${c.id}: echoed messages`);
  // The deflate cases are only worth something when deflate is on, with the parameters asked for.
  if (c.deflate === undefined) assert.equal(report.deflate, null, `${c.id}: permessage-deflate in use`);
  else {
    assert.notEqual(report.deflate, null, `${c.id}: permessage-deflate not in use`);
    assert.equal(report.deflate?.serverNoContextTakeover, c.deflate.noContextTakeover ?? false, `${c.id}: server_no_context_takeover`);
    assert.equal(report.deflate?.serverMaxWindowBits, c.deflate.maxWindowBits ?? 15, `${c.id}: server_max_window_bits`);
  }
  assert.equal(report.closeFrame, true, `${c.id}: no close frame came back`);
  assert.equal(report.closeCode, c.close, `${c.id}: close code sent`);
  assert.equal(ourCloseCode, c.ours ?? c.close, `${c.id}: closeCode on our side`);
}

test('Autobahn cases 1-7, 12, 13: a fuzzing autobahn server against the aiots client', { skip: missing ?? false, timeout: 600_000 }, async (t) => {
  const peer = new PyPeer(t, 'autobahn_fuzz.py', ['server'], `${forPython(FRAME_CASES)}\n`);
  const { port } = await peer.next<{ port: number }>();
  const session = new ClientSession();
  t.after(() => session.close());
  for (const c of FRAME_CASES) {
    await t.test(c.id, async () => {
      const ws = await session.wsConnect(`ws://127.0.0.1:${port}/${c.id}`);
      await echo(ws);
      check(c, await peer.next<Report>(), ws.closeCode);
    });
  }
});

test('Autobahn cases 1-7, 12, 13: a fuzzing autobahn client against the aiots server', { skip: missing ?? false, timeout: 600_000 }, async (t) => {
  // The handler's closeCode per case, once its echo loop is over.
  const ours = new Map<string, number | null>();
  const app = new web.Application();
  app.router.addGet('/echo/{id}', async (request) => {
    const ws = new web.WebSocketResponse();
    await ws.prepare(request);
    await echo(ws);
    ours.set(request.matchInfo.id, ws.closeCode);
    return ws;
  });
  const client = await clientFor(t, app);
  const peer = new PyPeer(t, 'autobahn_fuzz.py', ['client', client.makeUrl('/echo').replace(/^http/, 'ws')], `${forPython(FRAME_CASES)}\n`);
  for (const c of FRAME_CASES) {
    await t.test(c.id, async () => {
      const report = await peer.next<Report>();
      // The handler may still be between its last receive() and the map.
      for (let i = 0; i < 200 && !ours.has(c.id); i++) await sleep(0.05);
      check(c, report, ours.get(c.id) ?? null);
    });
  }
});
