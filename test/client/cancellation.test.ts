// Cancellation reaches the wire: a cancelled task, waitFor, a TaskGroup
// failure or the caller's signal abort the request, headers or body.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { test } from 'node:test';
import { ClientSession } from '../../src/client/index.js';
import { CancelledError, TaskGroup, TimeoutError, createTask, waitFor } from '../../src/index.js';
import { serve, session } from './helpers.js';

/** A server that never answers and tells when the client's socket closes. */
async function hanging(t: import('node:test').TestContext): Promise<{ url: string; arrived: Promise<void>; closed: Promise<void> }> {
  let onArrive!: () => void;
  let onClose!: () => void;
  const arrived = new Promise<void>((r) => { onArrive = r; });
  const closed = new Promise<void>((r) => { onClose = r; });
  const { url } = await serve(t, (req: http.IncomingMessage) => {
    req.socket.once('close', onClose);
    onArrive();
  });
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

test('session.close() resolves once every socket is closed', async (t) => {
  const { url } = await serve(t, (_req, res) => res.end('ok'));
  const s = new ClientSession();
  await Promise.all(Array.from({ length: 5 }, async () => (await s.get(url)).text()));
  assert.ok(s.connector.openConnections > 0);
  await s.close();
  assert.equal(s.connector.openConnections, 0);
});
