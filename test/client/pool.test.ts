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
  // Every socket the server ever saw, not only those open at once.
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
  const { url, connections } = await staleAfterOne(t);
  const s = session(t, { connector: new TCPConnector({ limitPerHost: 1 }) });
  assert.equal(await (await s.get(url)).text(), 'ok');
  await assert.rejects(s.post(url, { data: 'x' }), ServerDisconnectedError);
  assert.equal(await (await s.get(url)).text(), 'ok');
  async function* streamed(): AsyncGenerator<Buffer> {
    yield Buffer.from('x');
  }
  // PUT is idempotent, but a streamed body cannot be sent a second time.
  await assert.rejects(s.put(url, { data: streamed() }), ServerDisconnectedError);
  assert.equal(connections(), 2);
});

test('after a server restart every pooled socket is stale: concurrent requests are all retried', async (t) => {
  // Sockets opened before the "restart" die on their next request without a FIN first
  // (the race undici cannot see); sockets opened after it work.
  let restarted = false;
  let opened = 0;
  let killed = 0;
  let waiting: (() => void)[] = [];
  const { url } = await serveRaw(t, (socket: net.Socket) => {
    const old = !restarted;
    opened++;
    let served = false;
    socket.on('data', () => {
      if (old && served) {
        killed++;
        socket.destroy();
        return;
      }
      served = true;
      const answer = (): void => void socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      if (!old) answer();
      else {
        // Hold the first answers until all three sockets are open, so the pool has three.
        waiting.push(answer);
        if (waiting.length === 3) for (const w of waiting) w();
      }
    });
  });
  const s = session(t, { connector: new TCPConnector({ limit: 3 }) });
  assert.deepEqual(await gather(...[1, 2, 3].map(() => async () => (await s.get(url)).text())), ['ok', 'ok', 'ok']);
  assert.equal(opened, 3);
  restarted = true;
  waiting = [];
  assert.deepEqual(await gather(...[1, 2, 3].map(() => async () => (await s.get(url)).text())), ['ok', 'ok', 'ok']);
  assert.equal(killed, 3, 'each of the three requests met a stale socket first');
  assert.equal(await (await s.options(url)).text(), 'ok');
  assert.equal(await (await s.delete(url)).text(), 'ok');
  assert.equal(killed, 3);
});

test('limit caps the connections of all origins together', async (t) => {
  let active = 0;
  let peak = 0;
  const handler = (_req: unknown, res: { end: (s: string) => void }): void => {
    peak = Math.max(peak, ++active);
    setImmediate(() => {
      active--;
      res.end('ok');
    });
  };
  const a = await serve(t, handler);
  const b = await serve(t, handler);
  const s = session(t, { connector: new TCPConnector({ limit: 2 }) });
  const texts = await gather(...Array.from({ length: 20 }, (_, i) => async () => (await s.get(i % 2 === 0 ? a.url : b.url)).text()));
  assert.equal(texts.length, 20);
  assert.ok(peak <= 2, `peak ${peak}`);
});

test('limitPerHost above limit: limit still caps the sockets to one origin', async (t) => {
  let sockets = 0;
  const { url, server } = await serve(t, (_req, res) => setImmediate(() => res.end('ok')));
  server.on('connection', () => sockets++);
  const s = session(t, { connector: new TCPConnector({ limit: 2, limitPerHost: 5 }) });
  await gather(...Array.from({ length: 40 }, () => async () => (await s.get(url)).text()));
  assert.ok(sockets <= 2, `sockets ${sockets}`);
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

/** The first connection answers with a body that drips a byte every 20 ms and never ends; later ones answer `ok`. */
async function drippingFirst(t: import('node:test').TestContext): Promise<{ url: string; connections: () => number; firstClosed: Promise<void> }> {
  let count = 0;
  let onFirstClosed!: () => void;
  const firstClosed = new Promise<void>((resolve) => (onFirstClosed = resolve));
  const { url } = await serveRaw(t, (socket: net.Socket) => {
    const n = ++count;
    socket.on('data', () => {
      if (n !== 1) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nx');
      const drip = setInterval(() => socket.write('x'), 20);
      socket.on('close', () => {
        clearInterval(drip);
        onFirstClosed();
      });
    });
  });
  return { url, connections: () => count, firstClosed };
}

for (const how of ['release()', 'await using', 'close()'] as const) {
  test(`${how} of a body that drips slowly does not hold the only pool slot: the drain is bounded, then the socket closed`, { timeout: 15_000 }, async (t) => {
    const { url, connections, firstClosed } = await drippingFirst(t);
    const s = session(t, { connector: new TCPConnector({ limit: 1 }), timeout: { total: null } });
    const first = await s.get(url);
    if (how === 'release()') first.release();
    else if (how === 'close()') first.close();
    else await first[Symbol.asyncDispose]();
    // The server would drip for 14 hours: the second request gets through on a new socket.
    assert.equal(await (await s.get(url)).text(), 'ok');
    await firstClosed;
    assert.equal(connections(), 2);
    assert.equal(first.closed, true);
  });
}

test('release() still drains a small rest that arrives promptly: the socket is reused', async (t) => {
  const { url, server } = await serve(t, (_req, res) => {
    res.write('a'.repeat(1000));
    setTimeout(() => res.end('b'.repeat(1000)), 50);
  });
  let sockets = 0;
  server.on('connection', () => sockets++);
  const s = session(t, { connector: new TCPConnector({ limit: 1 }), timeout: { total: null } });
  (await s.get(url)).release();
  await (await s.get(url)).text();
  assert.equal(sockets, 1);
});
