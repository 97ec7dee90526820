// Closed connections are collected: readers, writers and sockets of a
// hundred finished connections do not stay reachable from aiots's state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openConnection } from '../../../src/index.js';
import { serve } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a hundred closed connections leave no reader, writer or socket behind', async (t) => {
  const { port, server } = await serve(t, async (reader, writer) => {
    writer.write(await reader.readline());
    writer.close();
  });
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  const n = 100;
  // In a function of its own, so that no local of this frame holds the last one.
  const once = async (): Promise<void> => {
    const [reader, writer] = await openConnection('127.0.0.1', port);
    writer.write('ping\n');
    assert.equal((await reader.readline()).toString(), 'ping\n');
    writer.close();
    await writer.waitClosed();
    registry.register(reader, 'reader');
    registry.register(writer, 'writer');
    registry.register(writer.transport, 'socket');
  };
  for (let i = 0; i < n; i++) await once();
  while (server.connections.size > 0 || server._tasks.size > 0) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 10 && collected < 3 * n; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(collected, 3 * n);
});
