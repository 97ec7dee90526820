// post() and part.read() under cancellation at random points (the listener
// rule, docs/reliability.md): no uncaught error, no listener left behind, and
// no temporary file left once the request ended.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Event, sleep } from '../../src/index.js';
import { TestServer } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';
import { cancelAtRandom, type Started } from '../helpers/cancel-at-random.js';
import { openSocket } from './helpers.js';
import { leaf, multipartBody } from './multipart-helpers.js';

async function serve(t: TestContext, app: web.Application): Promise<number> {
  const server = new TestServer(app);
  await server.start();
  t.after(() => server.close());
  return server.port;
}

function waitClosed(sock: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (sock.destroyed) resolve();
    else sock.once('close', () => resolve());
  });
}

const body = multipartBody('B', [
  ['Content-Disposition: form-data; name="a"', 'field'],
  ['Content-Disposition: form-data; name="f"; filename="f.bin"', Buffer.alloc(40_000, 0x62)],
]);
const head = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${body.length}\r\n\r\n`;

for (const what of ['post()', 'part.read()'] as const) {
  test(`${what} cancelled at random points while the client sends, finishes or drops the body`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aiots-mp-cancel-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    let current: ((request: web.Request) => Promise<web.Response>) | undefined;
    const app = new web.Application();
    app.router.addPost('/up', (request) => (current as (r: web.Request) => Promise<web.Response>)(request));
    const port = await serve(t, app);
    await cancelAtRandom(async (trial) => {
      const handled = new Event();
      const finished = new Event();
      let started: Started<unknown> | undefined;
      current = async (request) => {
        try {
          // The body feed's listeners live as long as the body, by design: counted from here.
          void request.content;
          trial.watch(request._req);
          if (what === 'post()') {
            started = trial.start(() => request.post({ spoolThreshold: 1000, tmpDir: dir }));
          } else {
            const reader = await request.multipart();
            await leaf(await reader.next()).read();
            const part = leaf(await reader.next());
            started = trial.start(async () => part.read());
          }
          handled.set();
          await started.outcome;
          return new web.Response({ text: 'done' });
        } finally {
          handled.set();
          finished.set();
        }
      };
      const sock = await openSocket(port);
      sock.on('data', () => sock.end());
      sock.on('error', () => {});
      sock.write(head);
      sock.write(body.subarray(0, 20_000));
      await handled.wait();
      await started?.cancelPoint;
      const r = trial.random();
      if (r < 0.5) sock.write(body.subarray(20_000));
      else if (r < 0.75) sock.destroy();
      else sock.write(body.subarray(20_000, 30_000), () => sock.destroy());
      const outcome = await started?.outcome;
      if (outcome?.status === 'rejected') assert.ok(outcome.reason === 'cancelled' || outcome.reason instanceof Error, `trial seed ${trial.seed}: ${String(outcome.reason)}`);
      await finished.wait();
      await sleep(0);
      assert.deepEqual(readdirSync(dir), [], `trial seed ${trial.seed}: temporary files left`);
      await waitClosed(sock);
    }, { trials: 30 });
  });
}
