// Every handler runs as a Task: currentTask(), timeout() and TaskGroup work
// inside, and the client going away aborts request.signal (and, with
// handlerCancellation, cancels the task).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { CancelledError, Event, TaskGroup, TimeoutError, currentTask, sleep, timeout } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { TestServer } from '../../src/testing/index.js';
import { clientFor, openSocket } from './helpers.js';

test('handlers run in their own task; timeout() and TaskGroup work inside', async (t) => {
  const seen = new Set<unknown>();
  const app = new web.Application();
  app.router.addGet('/task', async (request) => {
    const task = currentTask();
    assert.ok(task !== null);
    assert.equal(request.task, task);
    seen.add(task);
    return new web.Response({ text: 'ok' });
  });
  app.router.addGet('/timeout', async () => {
    try {
      await timeout(0.01, () => sleep(10));
      return new web.Response({ text: 'no' });
    } catch (e) {
      return new web.Response({ text: e instanceof TimeoutError ? 'timed out' : 'other' });
    }
  });
  app.router.addGet('/group', async () => {
    const [a, b] = await TaskGroup.run(async (tg) => {
      const x = tg.createTask(async () => {
        await sleep(0.001);
        return 'a';
      });
      const y = tg.createTask(async () => 'b');
      return [await x, await y];
    });
    return new web.Response({ text: a + b });
  });
  const client = await clientFor(t, app);
  await Promise.all([client.get('/task'), client.get('/task')]);
  assert.equal(seen.size, 2);
  assert.equal(await (await client.get('/timeout')).text(), 'timed out');
  assert.equal(await (await client.get('/group')).text(), 'ab');
});

async function disconnectCase(handlerCancellation: boolean): Promise<{ aborted: boolean; cancelled: boolean; finallyRan: boolean }> {
  const entered = new Event();
  const aborted = new Event();
  const result = { aborted: false, cancelled: false, finallyRan: false };
  const done = new Event();
  const app = new web.Application();
  app.router.addGet('/slow', async (request) => {
    request.signal.addEventListener('abort', () => {
      result.aborted = true;
      aborted.set();
    });
    entered.set();
    try {
      await sleep(handlerCancellation ? 30 : 0.2);
      return new web.Response({ text: 'late' });
    } catch (e) {
      result.cancelled = e instanceof CancelledError;
      throw e;
    } finally {
      result.finallyRan = true;
      done.set();
    }
  });
  const server = new TestServer(app, { handlerCancellation });
  await server.start();
  try {
    const sock = await openSocket(server.port);
    sock.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await entered.wait();
    sock.destroy();
    await aborted.wait();
    await done.wait();
  } finally {
    await server.close();
  }
  return result;
}

test('a client that goes away aborts request.signal; the task runs on by default', async () => {
  assert.deepEqual(await disconnectCase(false), { aborted: true, cancelled: false, finallyRan: true });
});

test('with handlerCancellation the task is cancelled and its finally blocks run', async () => {
  assert.deepEqual(await disconnectCase(true), { aborted: true, cancelled: true, finallyRan: true });
});

test('request.signal of a request already answered does not abort', async (t) => {
  let signal: AbortSignal | undefined;
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    signal = request.signal;
    return new web.Response({ text: 'ok' });
  });
  const client = await clientFor(t, app);
  assert.equal((await client.get('/')).status, 200);
  await client.close();
  assert.equal(signal?.aborted, false);
});

test('a client disconnecting mid-body makes read() fail with ConnectionResetError and the server goes on', async (t) => {
  const failed = new Event();
  const reading = new Event();
  let error: unknown;
  const app = new web.Application();
  app.router.addPost('/upload', async (request) => {
    try {
      reading.set();
      await request.read();
    } catch (e) {
      error = e;
      failed.set();
      throw e;
    }
    return new web.Response({ text: 'done' });
  });
  app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
  const client = await clientFor(t, app);
  const sock = await openSocket(client.server.port);
  sock.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(100));
  await reading.wait();
  sock.destroy();
  await once(sock, 'close');
  await failed.wait();
  assert.ok(error instanceof web.ConnectionResetError, String(error));
  assert.equal(await (await client.get('/')).text(), 'alive');
});

test('a keep-alive connection does not keep its finished request and task alive', async (t) => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const refs: WeakRef<object>[] = [];
  const app = new web.Application();
  app.router.addGet('/keep', async (request) => {
    refs.push(new WeakRef(request), new WeakRef(currentTask() as object));
    await sleep(0);
    return new web.Response({ text: 'kept' });
  });
  const server = new TestServer(app);
  await server.start();
  t.after(() => server.close());
  const sock = await openSocket(server.port);
  t.after(() => sock.destroy());
  let got = '';
  sock.on('data', (d: Buffer) => { got += d.toString('latin1'); });
  sock.write('GET /keep HTTP/1.1\r\nHost: x\r\n\r\n');
  while (!got.endsWith('kept')) await once(sock, 'data');
  // The connection stays open and idle; what served its request must be collectable.
  // deref() keeps its target alive until the current job ends, so gc() runs
  // first in each turn and the check last.
  for (let i = 0; i < 20; i++) {
    await sleep(0.01);
    gc();
    if (refs.every((r) => r.deref() === undefined)) break;
  }
  assert.equal(sock.destroyed, false);
  assert.deepEqual(refs.map((r) => r.deref() === undefined), [true, true], 'the request or its task is still reachable');
});
