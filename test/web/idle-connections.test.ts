// 10,000 idle connections held open: the server still answers a new request
// and drops none of them. The clients live in a child process so that each
// side needs about 10,000 file descriptors, not 20,000 in one process. When
// `ulimit -n` is lower than that, the count is sized to what it allows and
// the test says so (AIOTS_IDLE_CONNECTIONS overrides the count). Silent
// connections are closed with 408 after headersTimeout (60 s by default,
// see bad-input.test.ts); this test is done long before that.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { rawRequest, statusOf } from './helpers.js';

/** The soft limit on open files (Linux), or null where /proc is absent. */
function fdLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m === null ? null : m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return null;
  }
}

const WANTED = Number(process.env.AIOTS_IDLE_CONNECTIONS ?? 10_000);
// Headroom for the test runner, tsx, stdio and the listening socket.
const limit = fdLimit();
const COUNT = limit === null ? Math.min(WANTED, 1000) : Math.min(WANTED, limit - 300);

// The child: open COUNT connections in batches, report, then answer "how many are still open?".
const CLIENTS = `
import { connect } from 'node:net';
const [port, count] = process.argv.slice(-2).map(Number);
const socks = [];
let closed = 0;
const open = () => new Promise((resolve, reject) => {
  const s = connect(port, '127.0.0.1', () => { s.off('error', reject); resolve(s); });
  s.once('error', reject);
});
for (let i = 0; i < count; i += 250) {
  const batch = await Promise.all(Array.from({ length: Math.min(250, count - i) }, open));
  for (const s of batch) {
    s.on('error', () => {});
    s.on('close', () => closed++);
    socks.push(s);
  }
}
process.send({ opened: socks.length });
process.on('message', (m) => {
  if (m === 'count') process.send({ open: socks.length - closed });
  else { for (const s of socks) s.destroy(); process.disconnect(); }
});
`;

/** A site that can say how many connections its server holds. */
class CountingSite extends web.TCPSite {
  connections(): Promise<number> {
    const server = this._server;
    assert.ok(server !== null);
    return new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
  }
}

test(`${COUNT} idle connections held open; the server still serves and drops none`, { timeout: 120_000 }, async (t) => {
  if (COUNT < WANTED) t.diagnostic(`sized to ${COUNT} connections: the open-file limit here is ${limit ?? 'unknown'} (10,000 needs about 10,300 per process)`);
  const app = new web.Application();
  app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
  const runner = new web.AppRunner(app, { accessLog: null, shutdownTimeout: 1 });
  await runner.setup();
  const site = new CountingSite(runner, '127.0.0.1', 0);
  await site.start();
  t.after(() => runner.cleanup());

  const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENTS, String(site.port), String(COUNT)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  t.after(() => {
    if (child.connected) child.send('close');
    else child.kill();
  });
  const [opened] = await once(child, 'message') as [{ opened: number }];
  assert.equal(opened.opened, COUNT);
  // Every connection has reached the server (accept can lag the client's connect).
  while (await site.connections() < COUNT) await new Promise((r) => setTimeout(r, 20));

  const raw = await rawRequest(site.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(raw), 200);
  assert.match(raw, /alive$/);

  child.send('count');
  const [still] = await once(child, 'message') as [{ open: number }];
  assert.equal(still.open, COUNT, 'the server closed idle connections while serving');
  assert.ok(await site.connections() >= COUNT);
});
