// StreamResponse.write() waiting for 'drain' under cancellation (audit issue
// 9): a cancelled write leaves no listener behind and nothing settles its
// future later.
import { test } from 'node:test';
import { Event } from '../../src/index.js';
import { TestServer } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';
import { cancelAtRandom, type Started } from '../helpers/cancel-at-random.js';
import { openSocket } from './helpers.js';

test('StreamResponse.write() waiting for drain, cancelled at random points while the client reads or goes away', async (t) => {
  let current: ((request: web.Request) => Promise<web.StreamResponse>) | undefined;
  const app = new web.Application();
  app.router.addGet('/big', (request) => (current as (r: web.Request) => Promise<web.StreamResponse>)(request));
  const server = new TestServer(app);
  await server.start();
  t.after(() => server.close());
  const big = Buffer.alloc(4 * 1024 * 1024, 120);
  await cancelAtRandom(async (trial) => {
    const handled = new Event();
    let started: Started<void> | undefined;
    current = async (request) => {
      const resp = new web.StreamResponse();
      await resp.prepare(request);
      trial.watch(request._res);
      started = trial.start(() => resp.write(big));
      handled.set();
      await started.outcome;
      try {
        await resp.writeEof();
      } catch {
        // The client may be gone.
      }
      return resp;
    };
    const sock = await openSocket(server.port);
    sock.pause();
    sock.on('error', () => {});
    const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    sock.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await handled.wait();
    await started?.cancelPoint;
    if (trial.random() < 0.6) sock.resume();
    else sock.destroy();
    await started?.outcome;
    await closed;
  }, { trials: 30 });
});
