// Closed connections and endpoints are collected: transports, protocols and
// sockets of a hundred finished ones do not stay reachable from aiots's state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getEventLoop } from '../../../src/index.js';
import { DgramRecorder, Echo, Recorder, serveProtocol } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const loop = getEventLoop();

async function collect(expected: () => number, target: number): Promise<void> {
  for (let i = 0; i < 20 && expected() < target; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

test('a hundred closed TCP connections leave no transport, protocol or socket behind', async (t) => {
  const { port, server } = await serveProtocol(t, () => new Echo());
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  const n = 100;
  const once = async (): Promise<void> => {
    const [transport, p] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port);
    transport.write('ping');
    await p.waitBytes(4);
    transport.close();
    await p.lost.promise;
    registry.register(transport, 'transport');
    registry.register(p, 'protocol');
    registry.register(transport.getExtraInfo('socket')!, 'socket');
  };
  for (let i = 0; i < n; i++) await once();
  while (server.connections.size > 0) await new Promise((r) => setImmediate(r));
  await collect(() => collected, 3 * n);
  assert.equal(collected, 3 * n);
});

test('a hundred closed UDP endpoints leave no transport or protocol behind', async () => {
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  const n = 100;
  const once = async (): Promise<void> => {
    const [transport, p] = await loop.createDatagramEndpoint(() => new DgramRecorder(), { localAddr: ['127.0.0.1', 0] });
    transport.close();
    await p.lost.promise;
    registry.register(transport, 'transport');
    registry.register(p, 'protocol');
  };
  for (let i = 0; i < n; i++) await once();
  await collect(() => collected, 2 * n);
  assert.equal(collected, 2 * n);
});
