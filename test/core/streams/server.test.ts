// startServer / Server: one task per connection, a failing callback closes
// only its connection, close/waitClosed/serveForever, Unix sockets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CancelledError, Event, Future, createTask, currentTask, getEventLoop, openConnection, openUnixConnection, startServer,
  sleep, startUnixServer, type ExceptionContext, type Task,
} from '../../../src/index.js';
import { cancelAtRandom } from '../../helpers/cancel-at-random.js';
import { serve } from './helpers.js';

test('each connection runs its callback in a task of its own', async (t) => {
  const tasks: Task[] = [];
  const { port } = await serve(t, async (reader, writer) => {
    tasks.push(currentTask()!);
    writer.write(await reader.readline());
    writer.close();
  });
  const conns = await Promise.all([1, 2, 3].map(() => openConnection('127.0.0.1', port)));
  for (const [i, [r, w]] of conns.entries()) {
    w.write(`n${i}\n`);
    assert.equal((await r.readline()).toString(), `n${i}\n`);
    w.close();
  }
  assert.equal(new Set(tasks).size, 3);
  assert.match(tasks[0]!.getName(), /^client 127\.0\.0\.1:\d+$/);
});

test('a callback that throws is reported and only its connection closes', async (t) => {
  const reports: ExceptionContext[] = [];
  const loop = getEventLoop();
  loop.setExceptionHandler((ctx) => reports.push(ctx));
  t.after(() => loop.setExceptionHandler(null));
  const { port } = await serve(t, async (reader, writer) => {
    const line = (await reader.readline()).toString();
    if (line === 'boom\n') throw new Error('handler failed');
    writer.write(`ok ${line}`);
    await reader.read();
    writer.close();
  });
  const [r1, w1] = await openConnection('127.0.0.1', port);
  const [r2, w2] = await openConnection('127.0.0.1', port);
  w1.write('boom\n');
  assert.equal((await r1.read()).length, 0); // closed by the server
  w2.write('fine\n');
  assert.equal((await r2.readline()).toString(), 'ok fine\n'); // the other one still works
  w2.close();
  w1.close();
  assert.equal(reports.length, 1);
  assert.match(reports[0]!.message, /client_connected_cb/);
  assert.equal((reports[0]!.exception as Error).message, 'handler failed');
});

test('close() stops listening; waitClosed() waits for open connections', async () => {
  const release = new Event();
  const server = await startServer(async (reader, writer) => {
    await release.wait();
    writer.write('bye\n');
    writer.close();
  }, '127.0.0.1', 0);
  const { port } = server.address() as AddressInfo;
  assert.equal(server.isServing(), true);
  assert.equal(server.sockets.length, 1);
  const [reader] = await openConnection('127.0.0.1', port);
  while (server.connections.size === 0) await new Promise((r) => setImmediate(r));
  server.close();
  assert.equal(server.isServing(), false);
  await assert.rejects(openConnection('127.0.0.1', port), { code: 'ECONNREFUSED' });
  let closed = false;
  const waiting = server.waitClosed().then(() => (closed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false); // the connection is still open
  release.set();
  assert.equal((await reader.readline()).toString(), 'bye\n');
  await waiting;
  assert.equal(server.address(), null);
});

test('serveForever() resolves on close(); cancelling its task closes the server', async () => {
  const s1 = await startServer(() => {}, '127.0.0.1', 0);
  const forever = s1.serveForever();
  s1.close();
  await forever;
  await s1.waitClosed();

  const s2 = await startServer(() => {}, '127.0.0.1', 0);
  const task = createTask(() => s2.serveForever());
  await new Promise((r) => setImmediate(r));
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.equal(s2.isServing(), false);
  await s2.waitClosed();
});

test('await using closes the server', async () => {
  let port: number;
  {
    await using server = await startServer(() => {}, '127.0.0.1', 0);
    port = (server.address() as AddressInfo).port;
  }
  await assert.rejects(openConnection('127.0.0.1', port), { code: 'ECONNREFUSED' });
});

test('a port in use is a clear EADDRINUSE', async (t) => {
  const { port } = await serve(t, () => {});
  await assert.rejects(startServer(() => {}, '127.0.0.1', port), { code: 'EADDRINUSE' });
});

test('Unix sockets: startUnixServer and openUnixConnection', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-unix-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 's.sock');
  const peer = new Future<unknown>();
  const server = await startUnixServer(async (reader, writer) => {
    peer.setResult(writer.getExtraInfo('sockname'));
    writer.write(await reader.readline());
    writer.close();
  }, path);
  assert.equal(server.address(), path);
  const [reader, writer] = await openUnixConnection(path);
  writer.write('over unix\n');
  assert.equal((await reader.readline()).toString(), 'over unix\n');
  assert.equal(writer.getExtraInfo('peername'), path);
  assert.equal(await peer, path);
  writer.close();
  await server[Symbol.asyncDispose]();
  assert.equal(existsSync(path), false);
});

test('reusePort: two servers share a port where Node supports it, else a clear error', async (t) => {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) {
    const a = await startServer(() => {}, '127.0.0.1', 0, { reusePort: true });
    t.after(() => a[Symbol.asyncDispose]());
    const { port } = a.address() as AddressInfo;
    const b = await startServer(() => {}, '127.0.0.1', port, { reusePort: true });
    t.after(() => b[Symbol.asyncDispose]());
    assert.equal((b.address() as AddressInfo).port, port);
  } else {
    await assert.rejects(startServer(() => {}, '127.0.0.1', 0, { reusePort: true }), /startServer\(\): reusePort needs Node >= 22\.12, this is v/);
  }
  await assert.rejects(startServer(() => {}, '127.0.0.1', 0, { reusePort: 'yes' as unknown as boolean }), /reusePort must be a boolean, got string "yes"/);
});

/** How many listening TCP servers this process holds. */
function tcpServers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
}

test('startServer() cancelled at random points leaves no server listening', async () => {
  await cancelAtRandom(async (trial) => {
    const before = tcpServers();
    const host = trial.random() < 0.5 ? '127.0.0.1' : 'localhost';
    const started = trial.start(() => startServer(async (_r, w) => w.close(), host, 0));
    const outcome = await started.outcome;
    if (outcome.status === 'fulfilled') {
      outcome.value.close();
      await outcome.value.waitClosed();
    }
    // A server being closed by the cancellation is gone a few turns later.
    for (let i = 0; i < 5 && tcpServers() > before; i++) await sleep(0.01);
    // At most as many as before: a server of an earlier test may finish closing meanwhile.
    assert.ok(tcpServers() <= before, `trial seed ${trial.seed} (${trial.point}): a server is left listening (${tcpServers()} > ${before})`);
  });
});

test('Server.waitClosed() and serveForever() cancelled at random points while the server closes', async () => {
  await cancelAtRandom(async (trial) => {
    const server = await startServer(async (_r, w) => w.close(), '127.0.0.1', 0);
    const forever = trial.random() < 0.5;
    const started = trial.start(() => (forever ? server.serveForever() : server.waitClosed()));
    await started.cancelPoint;
    server.close();
    await started.outcome;
    await server.waitClosed();
  });
});
