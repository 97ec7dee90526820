// Cancellation reaches the wire: a cancelled task, waitFor, a TaskGroup
// failure or the caller's signal abort the request, headers or body.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type net from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { ClientConnectionError, ClientError, ClientSession, TCPConnector } from '../../src/client/index.js';
import { CancelledError, TaskGroup, TimeoutError, createTask, sleep, waitFor } from '../../src/index.js';
import { serve, serveRaw, session } from './helpers.js';

/** A server that never answers and tells when the client's socket closes. */
async function hanging(t: import('node:test').TestContext): Promise<{ url: string; arrived: Promise<void>; closed: Promise<void> }> {
  let onArrive!: () => void;
  let onClose!: () => void;
  const arrived = new Promise<void>((r) => { onArrive = r; });
  const closed = new Promise<void>((r) => { onClose = r; });
  const { url, server } = await serve(t, () => onArrive());
  // Watched from the connection, not the request: under load the client may
  // give up before the server has parsed the request, and the close still counts.
  server.on('connection', (socket: net.Socket) => socket.once('close', onClose));
  return { url, arrived, closed };
}

test('waitFor(() => session.get(url), s) aborts the request on the wire', async (t) => {
  const { url, closed } = await hanging(t);
  const s = session(t);
  await assert.rejects(waitFor(() => s.get(url), 0.1), TimeoutError);
  await closed; // the server saw the connection go
});

test('cancelling the task aborts the request; finally blocks run', async (t) => {
  const { url, arrived, closed } = await hanging(t);
  const s = session(t);
  let cleaned = false;
  const task = createTask(async () => {
    try {
      return await s.get(url);
    } finally {
      cleaned = true;
    }
  });
  await arrived;
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.equal(cleaned, true);
  await closed;
});

test('a failing sibling in a TaskGroup aborts the request', async (t) => {
  const { url, arrived, closed } = await hanging(t);
  const s = session(t);
  await assert.rejects(async () => {
    await TaskGroup.run(async (g) => {
      g.createTask(() => s.get(url));
      g.createTask(async () => {
        await arrived;
        throw new Error('boom');
      });
    });
  }, (e: unknown) => e instanceof AggregateError && (e.errors[0] as Error).message === 'boom');
  await closed;
});

test('cancelling a body read aborts the connection', async (t) => {
  let onClose!: () => void;
  const closed = new Promise<void>((r) => { onClose = r; });
  const { url } = await serve(t, (req, res) => {
    req.socket.once('close', onClose);
    res.write('part');
  });
  const s = session(t);
  const resp = await s.get(url);
  await assert.rejects(waitFor(() => resp.text(), 0.1), TimeoutError);
  await closed;
});

test('the caller\'s signal aborts, before or during the request', async (t) => {
  const { url, arrived, closed } = await hanging(t);
  const s = session(t);
  await assert.rejects(s.get(url, { signal: AbortSignal.abort() }), (e: unknown) => (e as Error).name === 'AbortError' || e instanceof CancelledError);
  const ac = new AbortController();
  const p = s.get(url, { signal: ac.signal });
  await arrived;
  ac.abort();
  await assert.rejects(p, CancelledError);
  await closed;
});

test('session.close() resolves once every socket is closed: idle, mid-body, waiting for headers, mid-handshake', async (t) => {
  // Every socket the client opens, seen from net and tls themselves rather than
  // from the connector's own count (net publishes plain sockets; tls.connect is wrapped).
  const opened: net.Socket[] = [];
  const onSocket = (msg: unknown): void => void opened.push((msg as { socket: net.Socket }).socket);
  subscribe('net.client.socket', onSocket);
  const tlsConnect = tls.connect;
  tls.connect = ((...args: Parameters<typeof tls.connect>) => {
    const sock = tlsConnect(...args);
    opened.push(sock);
    return sock;
  }) as typeof tls.connect;
  t.after(() => {
    unsubscribe('net.client.socket', onSocket);
    tls.connect = tlsConnect;
  });
  const { url } = await serve(t, (req, res) => {
    if (req.url === '/hang') return;
    if (req.url === '/big') res.write(Buffer.alloc(1024 * 1024));
    else res.end('ok');
  });
  const silent = await serveRaw(t, (socket) => socket.resume());
  const s = new ClientSession();
  await Promise.all(Array.from({ length: 3 }, async () => (await s.get(url)).text())); // idle keep-alive sockets
  const unread = await s.get(`${url}/big`); // a body left on the wire
  const hanging = s.get(`${url}/hang`); // no headers yet
  const handshake = s.get(silent.url.replace('http:', 'https:')); // TLS never completes
  while (silent.sockets.size === 0) await sleep(0.01);
  assert.ok(opened.length >= 4, `${opened.length} sockets opened`);
  assert.ok(opened.some((sock) => sock instanceof tls.TLSSocket));
  const failed = [assert.rejects(hanging, ClientConnectionError), assert.rejects(handshake, ClientConnectionError), assert.rejects(unread.read(), ClientError)];
  await s.close();
  for (const sock of opened) assert.equal(sock.closed, true, 'a socket outlived session.close()');
  assert.equal(s.connector.openConnections, 0);
  await Promise.all(failed);
});

test('a request waiting for a pool slot leaves the line when its task is cancelled, and never reaches the server', async (t) => {
  const paths: string[] = [];
  let finish!: () => void;
  const { url } = await serve(t, (req, res) => {
    paths.push(req.url ?? '');
    if (req.url === '/first') finish = () => res.end('first');
    else res.end('ok');
  });
  const s = session(t, { connector: new TCPConnector({ limit: 1 }) });
  const first = s.get(`${url}/first`);
  while (paths.length === 0) await sleep(0.01);
  const queued = createTask(() => s.get(`${url}/queued`));
  while (s.connector._slots.waiting === 0 && !queued.done()) await sleep(0.01);
  assert.equal(s.connector._slots.waiting, 1);
  queued.cancel();
  await assert.rejects(queued, CancelledError);
  finish();
  assert.equal(await (await first).text(), 'first');
  assert.equal(await (await s.get(`${url}/after`)).text(), 'ok');
  assert.deepEqual(paths, ['/first', '/after']);
});
