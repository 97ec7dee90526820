// runApp as a process: the banner, SIGTERM → exit 0, workers via node:cluster.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { selfSignedCert } from '../tls-certs.js';

const web = fileURLToPath(new URL('../../src/web/index.ts', import.meta.url));
// Each test drives real processes: a hang must fail the test, not stall the file.
const PROCESS = { timeout: 60_000 };

function script(t: TestContext, options: string, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-runapp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'server.mts');
  writeFileSync(file, `import * as web from ${JSON.stringify(web)};
const app = new web.Application();
app.router.addGet('/', async () => new web.Response({ text: String(process.pid) }));
app.onCleanup.push(async () => { console.log('cleanup ' + process.pid); });
${extra}
web.runApp(app, ${options});
`);
  return file;
}

interface Started {
  url: string;
  out: () => string;
  /** Send `signal` (to the whole process group with `group`, as a terminal's Ctrl+C does); resolves to the exit code. */
  stop: (signal?: NodeJS.Signals, group?: boolean) => Promise<number | null>;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Send `signal` to the main process only, without waiting. */
  kill: (signal: NodeJS.Signals) => void;
  /** Resolves once stdout holds `count` matches of `re` (a global regex). */
  waitFor: (re: RegExp, count: number) => Promise<void>;
}

async function start(t: TestContext, file: string): Promise<Started> {
  // Its own process group, so that a test can signal it and its workers at once.
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.after(() => {
    // The whole group: workers may outlive a primary that failed.
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // ESRCH: every process of the group has exited.
    }
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  const waitFor = (re: RegExp, count: number): Promise<void> => new Promise((resolve) => {
    const check = (): void => {
      if ((out.match(re)?.length ?? 0) >= count) {
        waiters.delete(check);
        resolve();
      }
    };
    waiters.add(check);
    check();
  });
  const url = await new Promise<string>((resolve, reject) => {
    void waitFor(/Running on https?:\/\/[^ ,]+/g, 1).then(() => resolve(/Running on (https?:\/\/[^ ,]+)/.exec(out)![1]!));
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  return {
    url,
    out: () => out,
    exited,
    kill: (signal) => void child.kill(signal),
    waitFor,
    stop: async (signal = 'SIGTERM', group = false) => {
      if (group) process.kill(-(child.pid as number), signal);
      else child.kill(signal);
      const [code] = await exited;
      assert.equal(err, '');
      return code;
    },
  };
}

test('runApp prints the real address, serves, and exits 0 on SIGTERM after cleanup', PROCESS, async (t) => {
  const s = await start(t, script(t, `{ host: '127.0.0.1', port: 0, accessLog: null }`));
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(s.url + '/');
  assert.equal(res.status, 200);
  assert.equal(await s.stop(), 0);
  assert.match(s.out(), /cleanup \d+/);
});

test('runApp with workers forks processes that share the port', PROCESS, async (t) => {
  const s = await start(t, script(t, `{ host: '127.0.0.1', port: 0, accessLog: null, workers: 2 }`));
  assert.match(s.out(), /with 2 workers/);
  const pids = new Set<string>();
  for (let i = 0; i < 20 && pids.size < 2; i++) {
    const res = await fetch(s.url + '/', { headers: { connection: 'close' } });
    pids.add(await res.text());
  }
  assert.equal(pids.size, 2);
  assert.equal(await s.stop(), 0);
  assert.equal(s.out().match(/cleanup \d+/g)?.length, 2);
});

test('runApp with ssl and workers: every worker serves HTTPS with the same certificate', PROCESS, async (t) => {
  const cert = selfSignedCert();
  const s = await start(t, script(t, `{ host: '127.0.0.1', port: 0, accessLog: null, workers: 2, ssl: ${JSON.stringify(cert)} }`));
  assert.match(s.out(), /Running on https:\/\/127\.0\.0\.1:\d+ with 2 workers/);
  const pids = new Set<string>();
  for (let i = 0; i < 20 && pids.size < 2; i++) {
    // A new TLS connection each time, so that both workers get some.
    pids.add(await new Promise<string>((resolve, reject) => {
      httpsRequest(`${s.url}/`, { ca: cert.cert, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject).end();
    }));
  }
  assert.equal(pids.size, 2);
  assert.equal(await s.stop(), 0);
  assert.equal(s.out().match(/cleanup \d+/g)?.length, 2);
});

test('runApp with workers and a bad certificate fails once, in the primary, before forking', PROCESS, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-runapp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'server.mts');
  writeFileSync(file, `import * as web from ${JSON.stringify(web)};
import cluster from 'node:cluster';
if (cluster.isWorker) console.log('a worker started');
web.runApp(new web.Application(), { host: '127.0.0.1', port: 0, workers: 2, ssl: { cert: 'cert.pem', key: 'key.pem' } });
`);
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = await once(child, 'exit') as [number | null];
  assert.equal(code, 1);
  assert.match(err, /TypeError: runApp\(\): ssl\.key must be PEM text or a Buffer, got string "key\.pem"/);
  assert.equal(out, '');
});

test('Ctrl+C in a terminal (SIGINT to the whole group) shuts every worker down gracefully', PROCESS, async (t) => {
  const s = await start(t, script(t, `{ host: '127.0.0.1', port: 0, accessLog: null, workers: 2 }`));
  assert.equal((await fetch(s.url + '/')).status, 200);
  // Each worker gets the signal twice: from the terminal and forwarded by the primary.
  assert.equal(await s.stop('SIGINT', true), 0);
  assert.equal(s.out().match(/cleanup \d+/g)?.length, 2, s.out());
});

test('handleSignals: false leaves SIGTERM to Node\'s default: no graceful shutdown', PROCESS, async (t) => {
  const s = await start(t, script(t, `{ host: '127.0.0.1', port: 0, accessLog: null, handleSignals: false }`));
  assert.equal((await fetch(s.url + '/')).status, 200);
  const code = await s.stop('SIGTERM');
  const [, signal] = await s.exited;
  assert.equal(code, null);
  assert.equal(signal, 'SIGTERM');
  assert.doesNotMatch(s.out(), /cleanup/);
});

test('runApp with path and host serves on both; printFn receives the banner', PROCESS, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-runapp-sock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'app.sock');
  const s = await start(t, script(t, `{ path: ${JSON.stringify(sock)}, host: '127.0.0.1', port: 0, accessLog: null, printFn: (line) => console.log('[banner] ' + line) }`));
  assert.match(s.out(), new RegExp(`^\\[banner\\] ======== Running on http://unix:${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:, http://127\\.0\\.0\\.1:\\d+ ========`, 'm'));
  const viaSocket = await new Promise<number>((resolve, reject) => {
    request({ socketPath: sock, path: '/', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
  assert.equal(viaSocket, 200);
  assert.equal(await s.stop(), 0);
});

test('with workers, a second signal to the primary stops workers stuck in their shutdown, and the exit code says so', PROCESS, async (t) => {
  const stuck = `app.onShutdown.push(async () => { console.log('stuck ' + process.pid); await new Promise(() => setInterval(() => {}, 1000)); });`;
  const s = await start(t, script(t, `{ host: '127.0.0.1', port: 0, accessLog: null, workers: 2 }`, stuck));
  s.kill('SIGTERM');
  await s.waitFor(/stuck \d+/g, 2);
  s.kill('SIGTERM');
  const [code] = await s.exited;
  assert.equal(code, 1);
  assert.doesNotMatch(s.out(), /cleanup/);
});

test('the seed\'s old style as a program: loop.createServer(app.makeHandler(), ...) then loop.runForever()', PROCESS, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-oldstyle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'server.mts');
  writeFileSync(file, `import { getEventLoop } from ${JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)))};
import * as web from ${JSON.stringify(web)};
const app = new web.Application();
app.router.addRoute('GET', '/hello/{name}', async (request) => new web.Response({ text: '<h1>hello, ' + request.matchInfo.name + '!</h1>', contentType: 'text/html' }));
const loop = getEventLoop();
const srv = await loop.createServer(app.makeHandler({ accessLog: null }), '127.0.0.1', 0);
console.log('======== Running on http://127.0.0.1:' + srv.port + ' ========');
process.once('SIGTERM', () => loop.stop());
await loop.runForever();
await srv.close();
console.log('closed');
`);
  const s = await start(t, file);
  const res = await fetch(s.url + '/hello/seed');
  assert.equal(await res.text(), '<h1>hello, seed!</h1>');
  assert.equal(await s.stop(), 0);
  assert.match(s.out(), /closed/);
});

test('serveApp (runApp as a promise) cancelled at random points cleans up, and removes its signal listeners', async () => {
  const { Application, Response } = await import('../../src/web/index.js');
  const { serveApp } = await import('../../src/web/run-app.js');
  const { cancelAtRandom } = await import('../helpers/cancel-at-random.js');
  const { sleep } = await import('../../src/index.js');
  await cancelAtRandom(async (trial) => {
    let cleaned = false;
    let started = false;
    const app = new Application();
    app.router.addGet('/', async () => new Response({ text: 'ok' }));
    app.onStartup.push(async () => void (started = true));
    app.onCleanup.push(async () => void (cleaned = true));
    trial.watch(process);
    const run = trial.start(() => serveApp(app, { host: '127.0.0.1', port: 0, printFn: null }));
    await run.cancelPoint;
    // Serving ends only when stopped: a SIGTERM (its listener called directly) stops it here.
    if (trial.kind === 'after-settled') {
      while (!started) await sleep(0.01);
      process.emit('SIGTERM', 'SIGTERM');
    }
    const outcome = await run.outcome;
    assert.equal(outcome.status, trial.kind === 'after-settled' ? 'fulfilled' : 'rejected', `trial seed ${trial.seed} (${trial.point})`);
    assert.equal(cleaned, started, `trial seed ${trial.seed} (${trial.point}): cleanup ran iff startup did`);
  }, { trials: 20 });
});
