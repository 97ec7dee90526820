// Hostile input that needs more than one request line to show (see
// hostile-input.test.ts for the table of malformed requests): bodies pushed
// past clientMaxSize for as long as the server will read, an open redirect
// through normalizePathMiddleware, and route regexes fed paths built to make
// them backtrack. Each on a real socket; the server must keep serving.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test, type TestContext } from 'node:test';
import * as web from '../../src/web/index.js';
import { TestServer } from '../../src/testing/index.js';
import { clientFor, openSocket, rawRequest, statusOf } from './helpers.js';

const MAX = 1024;
let server: TestServer;
let bodiesRead = 0;

before(async () => {
  const app = new web.Application({ clientMaxSize: MAX });
  app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
  app.router.addPost('/echo', async (r) => {
    const body = await r.read();
    bodiesRead++;
    return new web.Response({ body });
  });
  server = new TestServer(app, { errorLog: () => {} });
  await server.start();
});

after(() => server.close());

async function stillServes(port = server.port): Promise<void> {
  const raw = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(raw), 200, 'the server no longer serves');
  assert.match(raw, /alive$/);
}

/**
 * Send the head, then push body bytes (respecting backpressure) until `total`
 * is sent or the server closes the connection. Gives the response's status
 * and how many body bytes the client managed to hand to the kernel.
 */
function pushBody(port: number, head: string, total: number, frame: (chunk: Buffer) => Buffer): Promise<{ status: number; written: number }> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    const framed = frame(chunk);
    let written = 0;
    let out = '';
    sock.on('data', (d: Buffer) => (out += d.toString('latin1')));
    // EPIPE/ECONNRESET are the expected end: the server stopped reading.
    sock.on('error', () => {});
    sock.on('close', () => resolve({ status: statusOf(out), written }));
    const pump = (): void => {
      while (written < total && !sock.destroyed) {
        written += chunk.length;
        if (!sock.write(framed)) {
          sock.once('drain', pump);
          return;
        }
      }
      if (!sock.destroyed) sock.end();
    };
    sock.write(head);
    pump();
  });
}

const TOTAL = 64 * 1024 * 1024;
const bodyCases: { name: string; head: string; frame: (c: Buffer) => Buffer }[] = [
  {
    name: 'with Content-Length',
    head: `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${TOTAL}\r\n\r\n`,
    frame: (c) => c,
  },
  {
    name: 'chunked, no Content-Length',
    head: 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
    frame: (c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]),
  },
];

for (const c of bodyCases) {
  test(`a ${TOTAL / 2 ** 20} MiB body ${c.name} gets 413 and the connection is closed instead of read`, async () => {
    const before = bodiesRead;
    const { status, written } = await pushBody(server.port, c.head, TOTAL, c.frame);
    assert.equal(status, 413);
    // What got through is what the kernel's socket buffers hold, not the body.
    assert.ok(written < TOTAL / 2, `the client pushed ${written} of ${TOTAL} bytes before the server hung up`);
    assert.equal(bodiesRead, before, 'no body was handed to the handler');
    await stillServes();
  });
}

test('a connection that sends nothing gets 408 and is closed after headersTimeout; the server keeps serving', async (t) => {
  const app = new web.Application();
  app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
  const quick = new TestServer(app, { headersTimeout: 0.3 });
  await quick.start();
  t.after(() => quick.close());
  const sock = await openSocket(quick.port);
  let out = '';
  sock.on('data', (d: Buffer) => (out += d.toString('latin1')));
  await once(sock, 'close');
  assert.equal(statusOf(out), 408);
  await stillServes(quick.port);
});

test('normalizePathMiddleware never redirects to `//host` (an open redirect), as aiohttp GHSA-v6wp-4m6f-gcjg', async (t) => {
  for (const mergeSlashes of [true, false]) {
    const app = new web.Application({ middlewares: [web.normalizePathMiddleware({ mergeSlashes })] });
    app.router.addGet('/{tail:.*}/', async () => new web.Response({ text: 'tail' }));
    const client = await clientFor(t, app);
    for (const path of ['//evil.example', '///evil.example', '//evil.example?next=1']) {
      const res = await client.get(path, { allowRedirects: false });
      const location = res.headers.get('location');
      assert.equal(res.status, 308, `${path} mergeSlashes=${mergeSlashes}`);
      assert.ok(location !== null && /^\/[^/]/.test(location), `${path} mergeSlashes=${mergeSlashes} → Location ${location}`);
    }
  }
});

/** Start `source` (a module using aiots/web) in its own process; resolves to its port once it prints the banner. */
async function childServer(t: TestContext, source: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-bad-input-'));
  const file = join(dir, 'server.mts');
  writeFileSync(file, source.replace('WEB', JSON.stringify(fileURLToPath(new URL('../../src/web/index.ts', import.meta.url)))));
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    // A child stuck in a regex cannot answer SIGTERM.
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  for await (const d of child.stdout) {
    out += d as string;
    const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m !== null) return Number(m[1]);
  }
  throw new Error(`the server exited before listening: ${out}`);
}

/** A raw request answered within `seconds`, or null: the event loop of a server stuck in a regex never answers. */
async function answeredWithin(port: number, data: string, seconds: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), seconds * 1000);
  });
  try {
    return await Promise.race([rawRequest(port, data), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// The router refuses nested repetition (`(a+)+`, see router.test.ts),
// backreferences and lookarounds at registration; what no syntax check can
// catch (three default parameters in one segment, `{y}-{m}-{d}`, cubic: about
// 150 s of blocked event loop for an 8,000-byte path without a bound; a
// repeated alternation whose branches overlap, `(a|a)+`, exponential) runs on
// V8's linear-time engine once it exceeds its backtrack budget. Both paths are
// answered in milliseconds, so the 10 s deadline is a liveness check, not a
// timing measurement.
test('route regexes stay bounded on paths built to make them backtrack', async (t) => {
  const port = await childServer(t, `import * as web from WEB;
const app = new web.Application();
app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
app.router.addGet('/d/{y}-{m}-{d}', async (r) => web.jsonResponse(r.matchInfo));
app.router.addGet('/x/{v:(a|a)+}', async (r) => web.jsonResponse(r.matchInfo));
web.runApp(app, { host: '127.0.0.1', port: 0, accessLog: null });
`);
  const hostile = [`/d/${'-'.repeat(8000)}%7B`, `/x/${'a'.repeat(40)}!`];
  for (const path of hostile) {
    const raw = await answeredWithin(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 10);
    assert.notEqual(raw, null, `GET ${path.slice(0, 20)}… blocked the server`);
    assert.equal(statusOf(raw ?? ''), 404);
  }
  const raw = await answeredWithin(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 10);
  assert.match(raw ?? '', /alive$/);
});

test('a regex route still matches what it should (the bound must not change the result)', async (t) => {
  const app = new web.Application();
  app.router.addGet('/d/{y}-{m}-{d}', async (r) => web.jsonResponse(r.matchInfo));
  const client = await clientFor(t, app);
  // Greedy, as in aiohttp: the first parameter takes all it can.
  assert.deepEqual(await (await client.get('/d/2024-a-b-01-02')).json(), { y: '2024-a-b', m: '01', d: '02' });
  assert.equal((await client.get('/d/2024-01')).status, 404);
});

test('control for the test above: its child-process harness serves a plain request', async (t) => {
  const port = await childServer(t, `import * as web from WEB;
const app = new web.Application();
app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
web.runApp(app, { host: '127.0.0.1', port: 0, accessLog: null });
`);
  await stillServes(port);
});
