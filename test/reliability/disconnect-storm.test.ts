// A disconnect storm, small enough for npm test: 300 clients leave while
// their handlers wait. Every request.signal fires; with handlerCancellation
// every handler task ends cancelled; without it every handler still returns
// and its response goes nowhere, with no error; afterwards no request, task
// or socket is left (counted, not measured as RSS: the full-size run with
// memory figures is bench/stress/disconnect-storm.ts).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { allTasks, sleep, timeout } from '../../src/index.js';
import { TestServer } from '../../src/testing/index.js';
import { stormApp } from '../helpers/disconnect-storm.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CLIENTS = 300;
// A hang guard only: on an idle machine each storm takes well under a second.
const GUARD = 30;

const tcpHandles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

/** Opens `n` connections, each sending one GET; resolves once every request is written. */
async function openClients(port: number, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const batch = 50;
  for (let i = 0; i < n; i += batch) {
    const opened = Array.from({ length: Math.min(batch, n - i) }, (_, j) => {
      const s = connect(port, '127.0.0.1');
      // The server never answers before the client leaves; an error here would be a reset we caused.
      s.on('error', () => {});
      sockets.push(s);
      return once(s, 'connect').then(() => new Promise<void>((resolve) => s.write(`GET /storm/${i + j} HTTP/1.1\r\nHost: x\r\n\r\n`, () => resolve())));
    });
    await Promise.all(opened);
  }
  return sockets;
}

/** Collect garbage until nothing of the storm is reachable, or give up after a few rounds. */
async function settle(live: () => { requests: number; tasks: number }): Promise<{ requests: number; tasks: number }> {
  let left = live();
  for (let i = 0; i < 20 && (left.requests > 0 || left.tasks > 0); i++) {
    await sleep(0.01);
    gc();
    left = live();
  }
  return left;
}

for (const cancellation of [false, true]) {
  const name = cancellation
    ? `with handlerCancellation, ${CLIENTS} clients leaving mid-handler: every signal fires, every handler task ends cancelled, nothing is left`
    : `without handlerCancellation, ${CLIENTS} clients leaving mid-handler: every signal fires, every handler returns without an error, nothing is left`;
  void test(name, async (t) => {
    const storm = stormApp({ cancellation, sleep: 0.05 });
    t.after(() => storm.close());
    const server = new TestServer(storm.app, storm.runnerOptions);
    await server.start();
    t.after(() => server.close());
    const tasksBefore = allTasks().size;
    const handlesBefore = tcpHandles();

    const { allStarted, allEnded } = storm.round(CLIENTS);
    const sockets = await openClients(server.port, CLIENTS);
    await timeout(GUARD, () => allStarted.wait());
    assert.equal(storm.counts.started, CLIENTS);
    assert.equal(storm.counts.aborted, 0, 'a signal fired before its client left');

    for (const s of sockets) s.destroy();
    await timeout(GUARD, () => allEnded.wait()).catch((e: unknown) => {
      throw new Error(`handlers did not all end: ${JSON.stringify(storm.counts)}`, { cause: e });
    });
    const c = storm.counts;
    assert.equal(c.aborted, CLIENTS, 'every request.signal fires');
    assert.equal(c.ended, CLIENTS);
    if (cancellation) {
      assert.equal(c.cancelled, CLIENTS, 'every handler task ends cancelled');
      assert.equal(c.returned, 0);
    } else {
      assert.equal(c.cancelled, 0);
      assert.equal(c.returned, CLIENTS, 'every handler runs to its end');
    }
    assert.equal(c.errors, 0, 'nothing was logged or thrown but cancellations');

    // What the storm left: no handler in flight, no task, no request, no socket.
    assert.equal(server.runner._handler.inflight, 0);
    for (let i = 0; i < 100 && tcpHandles() > handlesBefore; i++) await sleep(0.01);
    // At most as many as before (an earlier test's keep-alive socket may close meanwhile).
    assert.ok(tcpHandles() <= handlesBefore, `sockets left open: ${tcpHandles()} TCP handles, ${handlesBefore} before the storm`);
    assert.equal(allTasks().size, tasksBefore, 'tasks left pending');
    assert.deepEqual(await settle(() => storm.live()), { requests: 0, tasks: 0 }, 'requests or handler tasks still reachable');

    // And the server keeps serving.
    const ok = connect(server.port, '127.0.0.1');
    ok.end('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let reply = '';
    ok.setEncoding('latin1').on('data', (d: string) => reply += d);
    await once(ok, 'close');
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
  });
}
