// TCPSite.start() (waiting for the server's 'listening' or 'error') under
// cancellation at random points (audit issue 9): nothing uncaught, and once
// the runner is cleaned up no server is left listening.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { cancelAtRandom } from '../helpers/cancel-at-random.js';

function tcpServers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
}

test('TCPSite.start() cancelled at random points: cleanup leaves no server listening', async () => {
  await cancelAtRandom(async (trial) => {
    const before = tcpServers();
    const app = new web.Application();
    const runner = new web.AppRunner(app, { accessLog: null });
    await runner.setup();
    const site = new web.TCPSite(runner, trial.random() < 0.5 ? '127.0.0.1' : 'localhost', 0);
    const started = trial.start(() => site.start());
    await started.outcome;
    await runner.cleanup();
    for (let i = 0; i < 5 && tcpServers() > before; i++) await sleep(0.01);
    assert.equal(tcpServers(), before, `trial seed ${trial.seed} (${trial.point}): a server is left listening`);
  }, { trials: 30 });
});
