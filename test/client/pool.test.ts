// TCPConnector: `limit` is a real cap, keep-alive sockets are reused, and a
// stale keep-alive socket is retried once for idempotent methods only.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { test } from 'node:test';
import { ServerDisconnectedError, TCPConnector } from '../../src/client/index.js';
import { CancelledError, gather } from '../../src/index.js';
import { serve, serveRaw, session } from './helpers.js';

test('limit caps the connections in use; the others wait their turn', async (t) => {
  let active = 0;
  let peak = 0;
  const { url, server } = await serve(t, (_req, res) => {
    active++;
    peak = Math.max(peak, active);
    setImmediate(() => {
      active--;
      res.end('ok');
    });
  });
  let sockets = 0;
  server.on('connection', () => sockets++);
  const s = session(t, { connector: new TCPConnector({ limit: 3 }) });
  const texts = await gather(...Array.from({ length: 20 }, () => async () => (await s.get(url)).text()));
  assert.deepEqual(new Set(texts), new Set(['ok']));
  assert.ok(peak <= 3, `peak ${peak}`);
  assert.ok(sockets <= 3, `sockets ${sockets}`);
});

test('limitPerHost caps each origin', async (t) => {
  let peak = 0;
  let active = 0;
  const { url } = await serve(t, (_req, res) => {
    peak = Math.max(peak, ++active);
    setImmediate(() => {
      active--;
      res.end('ok');
    });
  });
  const s = session(t, { connector: new TCPConnector({ limit: 0, limitPerHost: 2 }) });
  await gather(...Array.from({ length: 10 }, () => async () => (await s.get(url)).text()));
  assert.ok(peak <= 2, `peak ${peak}`);
});

test('forceClose opens a new connection per request', async (t) => {
  let sockets = 0;
  const { url, server } = await serve(t, (_req, res) => res.end('ok'));
  server.on('connection', () => sockets++);
  const s = session(t, { connector: new TCPConnector({ forceClose: true }) });
  for (let i = 0; i < 3; i++) await (await s.get(url)).text();
  assert.equal(sockets, 3);
});

/** A peer that answers the first request of each connection, then drops the connection on the next one (a keep-alive race, made certain). */
async function staleAfterOne(t: import('node:test').TestContext): Promise<{ url: string; connections: () => number }> {
  let count = 0;
  const { url } = await serveRaw(t, (socket: net.Socket) => {
    count++;
    let served = false;
    socket.on('data', () => {
      if (served) {
        socket.destroy();
        return;
      }
      served = true;
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
    });
  });
  return { url, connections: () => count };
}

test('a stale keep-alive socket is retried once for an idempotent method', async (t) => {
  const { url, connections } = await staleAfterOne(t);
  const s = session(t, { connector: new TCPConnector({ limitPerHost: 1 }) });
  assert.equal(await (await s.get(url)).text(), 'ok');
  assert.equal(await (await s.get(url)).text(), 'ok');
  assert.equal(await (await s.put(url, { data: 'x' })).text(), 'ok');
  assert.equal(connections(), 3);
});

test('... but never for POST, nor for a streamed body', async (t) => {
  const { url } = await staleAfterOne(t);
  const s = session(t, { connector: new TCPConnector({ limitPerHost: 1 }) });
  assert.equal(await (await s.get(url)).text(), 'ok');
  await assert.rejects(s.post(url, { data: 'x' }), ServerDisconnectedError);
});

test('keepaliveTimeout and limits are validated', () => {
  assert.throws(() => new TCPConnector({ limit: -1 }), /TCPConnector\(\): limit must be >= 0/);
  assert.throws(() => new TCPConnector({ keepaliveTimeout: 0 }), /keepaliveTimeout must be a positive number/);
  assert.throws(() => new TCPConnector({ ssl: 'yes' as never }), /ssl must be a boolean or TLS options/);
});

test('a long line of waiters, some giving up, drains and hands back every slot', async (t) => {
  const { url } = await serve(t, (_req, res) => setImmediate(() => res.end('ok')));
  const s = session(t, { connector: new TCPConnector({ limit: 2 }) });
  const ac = new AbortController();
  const results = await gather(...Array.from({ length: 200 }, (_, i) => async () => {
    const resp = await s.get(url, i % 3 === 0 ? { signal: ac.signal } : {});
    const text = await resp.text();
    if (i === 1) ac.abort(); // the requests still in line with this signal leave it
    return text;
  }), { returnExceptions: true });
  const failed = results.filter((r) => r !== 'ok');
  assert.ok(failed.length > 0 && failed.length <= 67, `${failed.length} failed`);
  for (const e of failed) assert.ok(e instanceof CancelledError, String(e));
  assert.equal(s.connector._slots.active, 0);
  assert.equal(s.connector._slots.waiting, 0);
});
