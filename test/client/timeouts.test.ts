// ClientTimeout: total alone is enforced (aiohttp #11740), connect reports the
// pool wait apart from the socket connect, and every client timeout is also a
// core TimeoutError.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { test } from 'node:test';
import {
  ClientConnectionError, ClientError, ClientTimeout, ConnectionTimeoutError, ServerConnectionError, ServerTimeoutError,
  SocketTimeoutError, TCPConnector, TotalTimeoutError, isClientError,
} from '../../src/client/index.js';
import { TimeoutError, sleep } from '../../src/index.js';
import { once, serve, serveRaw, session } from './helpers.js';

test('ClientTimeout: seconds, sockConnect 30 by default, frozen, with()', () => {
  const t = new ClientTimeout({ total: 1.5 });
  assert.deepEqual({ ...t }, { total: 1.5, connect: null, sockConnect: 30, sockRead: null });
  assert.ok(Object.isFrozen(t));
  assert.equal(t.with({ sockRead: 2 }).sockRead, 2);
  assert.equal(t.with({ sockRead: 2 }).total, 1.5);
  assert.equal(new ClientTimeout({ total: Infinity }).total, null);
  assert.throws(() => new ClientTimeout({ total: 0 }), /total must be > 0 seconds/);
});

test('total alone ends a request whose peer never answers (no sockRead)', async (t) => {
  const { url } = await serveRaw(t, () => {});
  const s = session(t, { timeout: new ClientTimeout({ total: 0.2 }) });
  await assert.rejects(s.get(url), (e: unknown) => e instanceof TotalTimeoutError && e instanceof TimeoutError && /total 0.2 s/.test((e as Error).message));
});

test('total also covers the body: a trickling peer fails the read', async (t) => {
  const { url } = await serveRaw(t, (socket: net.Socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab');
    });
  });
  const s = session(t, { timeout: { total: 0.3 } });
  const resp = await s.get(url);
  await assert.rejects(resp.text(), TotalTimeoutError);
});

test('a per-request timeout replaces the session one', async (t) => {
  const { url } = await serveRaw(t, () => {});
  const s = session(t);
  await assert.rejects(s.get(url, { timeout: { sockRead: 0.1 } }), SocketTimeoutError);
});

test('connect: waiting for a pool slot is reported as phase "pool"', async (t) => {
  let release!: () => void;
  const slowArrived = new Promise<void>((resolve) => {
    release = resolve;
  });
  let finishSlow: (() => void) | undefined;
  const { url } = await serve(t, (req, res) => {
    if (req.url === '/slow') {
      finishSlow = () => res.end('late');
      release();
    } else {
      res.end('ok');
    }
  });
  const s = session(t, { connector: new TCPConnector({ limit: 1 }) });
  const first = s.get(`${url}/slow`);
  await slowArrived;
  await assert.rejects(s.get(`${url}/next`, { timeout: { connect: 0.1 } }), (e: unknown) => {
    assert.ok(e instanceof ConnectionTimeoutError);
    assert.equal(e.phase, 'pool');
    assert.match(e.message, /no free connection slot within 0.1 s/);
    return true;
  });
  finishSlow?.();
  assert.equal(await (await first).text(), 'late');
  // The slot is free again, and the request that gave up did not keep it.
  assert.equal(await (await s.get(`${url}/next`)).text(), 'ok');
  assert.equal(s.connector.limit, 1);
});

test('the timeout errors are TimeoutError and ClientError at once', () => {
  for (const e of [new ConnectionTimeoutError('x', 'connect'), new SocketTimeoutError('x'), new TotalTimeoutError('x'), new ServerTimeoutError('x')]) {
    assert.ok(e instanceof TimeoutError);
    assert.ok(e instanceof ClientError);
    assert.ok(e instanceof ClientConnectionError);
    assert.ok(e instanceof ServerConnectionError);
    assert.ok(e instanceof ServerTimeoutError);
    assert.ok(isClientError(e));
    assert.match(e.code, /^AIOTS_ERR_CLIENT_/);
  }
  assert.equal(new TimeoutError('core') instanceof ClientError, false);
  assert.equal(new SocketTimeoutError('x') instanceof ConnectionTimeoutError, false);
});

/** A TCP peer that accepts and never speaks: an https URL to it hangs in the TLS handshake, inside "connect". */
async function tlsSilent(t: import('node:test').TestContext): Promise<{ url: string; sockets: Set<net.Socket> }> {
  // Reading (and dropping) the ClientHello lets the peer see the client's FIN.
  const { url, sockets } = await serveRaw(t, (socket) => socket.resume());
  return { url: url.replace('http:', 'https:'), sockets };
}

test('connect: a socket that does not finish connecting is reported as phase "connect"', async (t) => {
  const { url } = await tlsSilent(t);
  const s = session(t);
  await assert.rejects(s.get(url, { timeout: { connect: 0.2 } }), (e: unknown) => {
    assert.ok(e instanceof ConnectionTimeoutError);
    assert.equal(e.phase, 'connect');
    assert.match(e.message, /not connected within 0.2 s/);
    return true;
  });
});

test('sockConnect: undici\'s connect timeout, also phase "connect"; the half-open socket is closed', async (t) => {
  const { url, sockets } = await tlsSilent(t);
  const s = session(t, { timeout: { sockConnect: 0.2, total: 30 } });
  await assert.rejects(s.get(url), (e: unknown) => {
    assert.ok(e instanceof ConnectionTimeoutError);
    assert.equal(e.phase, 'connect');
    assert.ok(e instanceof TimeoutError);
    return true;
  });
  assert.equal(sockets.size <= 1, true);
  for (const sock of sockets) if (!sock.closed) await once(sock, 'close'); // the peer sees the socket go
});

test('sockRead counts only while the reader waits: a body paused by flow control does not time out', async (t) => {
  const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
  const { url } = await serve(t, (_req, res) => res.end(big));
  // sockRead is timed to the ms: far above any gap between chunks of a local transfer, far below the pause.
  const s = session(t, { timeout: { sockRead: 0.5 } });
  const resp = await s.get(url);
  await sleep(1.5); // the reader is full and undici paused: no data is expected, so none is late
  assert.equal((await resp.read()).length, big.length);
});

test('total alone, on a peer that sends headers and then nothing', async (t) => {
  const { url } = await serveRaw(t, (socket: net.Socket) => socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')));
  const s = session(t, { timeout: { total: 0.2 } });
  const resp = await s.get(url);
  assert.equal(resp.status, 200);
  await assert.rejects(resp.read(), TotalTimeoutError);
});

/** Headers and a first byte, then one more byte every `every` ms until the client goes. */
function trickle(every: number): (socket: net.Socket) => void {
  return (socket) => socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nx');
    const drip = setInterval(() => socket.write('x'), every);
    socket.on('close', () => clearInterval(drip));
  });
}

test('sockRead below undici\'s ~1 s timer resolution is enforced: a body trickling slower than it fails', async (t) => {
  // undici re-arms its coarse body timer on every byte: with it alone this
  // peer was never caught and the request ran into `total`.
  const { url } = await serveRaw(t, trickle(150));
  const s = session(t, { timeout: { total: 5, sockRead: 0.03 } });
  const resp = await s.get(url);
  await assert.rejects(resp.read(), (e: unknown) => e instanceof SocketTimeoutError && !(e instanceof TotalTimeoutError));
});

test('sockRead does not cut off a body that keeps coming faster than it', async (t) => {
  const { url } = await serveRaw(t, (socket: net.Socket) => socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n');
    let sent = 0;
    const drip = setInterval(() => {
      socket.write('x');
      if (++sent === 20) clearInterval(drip);
    }, 10);
    socket.on('close', () => clearInterval(drip));
  }));
  const s = session(t, { timeout: { sockRead: 1 } });
  assert.equal((await (await s.get(url)).text()).length, 20);
});

test('sockRead starts once the request is sent: a slow upload is not a silent peer', async (t) => {
  const { url } = await serve(t, (req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.end(String(n)));
  });
  const s = session(t, { timeout: { sockRead: 0.4 } });
  async function* slowBody(): AsyncIterable<string> {
    for (let i = 0; i < 4; i++) {
      await sleep(0.5);
      yield 'abcd';
    }
  }
  assert.equal(await (await s.post(url, { data: slowBody() })).text(), '16');
});
