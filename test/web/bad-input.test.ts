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

// A browser reads `\\` as `/` and drops tabs and newlines, so `/\\evil.com/`
// or `/<TAB>/evil.com/` in a Location is `//evil.com/`: another site. The
// Location is resolved here as a browser would (WHATWG URL) and must stay
// on the origin, whatever the path holds; aiohttp sends `/%5Cevil.com/`.
test('normalizePathMiddleware keeps every Location on the same origin (backslashes, tabs, encoded slashes)', async (t) => {
  const hostile = ['/\\evil.com', '/\\\\evil.com', '//\\evil.com', '/\\/evil.com', '/%5Cevil.com', '/%2F%2Fevil.com', '/%2F/evil.com', '/\tevil.com', '/%09/evil.com', '/%0D%0A/evil.com', '/./\\evil.com', '/\\evil.com?next=/x'];
  for (const options of [{}, { mergeSlashes: false }, { appendSlash: false, removeSlash: true }]) {
    const app = new web.Application({ middlewares: [web.normalizePathMiddleware(options)] });
    app.router.addGet(options.removeSlash === true ? '/{user}' : '/{user}/', async () => new web.Response({ text: 'user' }));
    app.router.addGet(options.removeSlash === true ? '/{a}/{b}' : '/{a}/{b}/', async () => new web.Response({ text: 'two' }));
    const server = new TestServer(app);
    await server.start();
    t.after(() => server.close());
    let redirects = 0;
    for (const p of hostile) {
      const path = options.removeSlash === true ? `${p.replace(/\?.*/, '')}/${p.includes('?') ? p.slice(p.indexOf('?')) : ''}` : p;
      const raw = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n`);
      const status = statusOf(raw);
      assert.ok(status > 0, `${JSON.stringify(path)}: no status`);
      if (status < 300 || status >= 400) continue;
      redirects++;
      const location = /\r\nlocation: ([^\r]*)/i.exec(raw)?.[1] ?? '';
      const resolved = new URL(location, 'http://origin.test/a/b');
      assert.equal(resolved.origin, 'http://origin.test', `${JSON.stringify(options)} ${JSON.stringify(path)} → Location ${JSON.stringify(location)}`);
    }
    assert.ok(redirects >= 6, `${JSON.stringify(options)}: only ${redirects} redirects, the cases no longer reach the middleware`);
  }
  const app = new web.Application({ middlewares: [web.normalizePathMiddleware()] });
  app.router.addGet('/{user}/', async () => new web.Response({ text: 'user' }));
  const client = await clientFor(t, app);
  const server = new TestServer(app);
  await server.start();
  t.after(() => server.close());
  const raw = await rawRequest(server.port, 'GET /\\evil.com HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(raw), 308);
  assert.match(raw, /\r\nLocation: \/%5Cevil\.com\/\r\n/i);
  // Following it reaches the route with the backslash decoded back.
  const followed = await client.get('/%5Cevil.com/');
  assert.equal(await followed.text(), 'user');
});

// A proxy applying prefix rules (`/admin/` denied, `/public/` open) sees
// the target as sent; the server must route both forms on that same raw path
// rather than resolve dot segments in one of them.
test('absolute-form and origin-form targets are routed on the same raw path', async (t) => {
  const app = new web.Application();
  app.router.addGet('/admin/{x}', async (r) => web.jsonResponse({ route: 'admin', path: r.path, rawPath: r.rawPath, query: r.queryString }));
  app.router.addGet('/public/{tail:.*}', async (r) => web.jsonResponse({ route: 'public', path: r.path, rawPath: r.rawPath, query: r.queryString }));
  app.router.addGet('/', async (r) => web.jsonResponse({ route: 'root', path: r.path, rawPath: r.rawPath, query: r.queryString }));
  const server = new TestServer(app);
  await server.start();
  t.after(() => server.close());
  const answer = async (target: string): Promise<unknown> => {
    const raw = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(raw), 200, `${target}: ${raw}`);
    return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as unknown;
  };
  for (const path of ['/public/%2e%2e/admin/x', '/public/../admin/x', '/public/./x?a=1', '/public/%2E%2e%2fadmin']) {
    const origin = await answer(path);
    assert.equal((origin as { route: string }).route, 'public', path);
    assert.deepEqual(await answer(`http://h${path}`), origin, `http://h${path}`);
    assert.deepEqual(await answer(`https://user@h:8080${path}`), origin, `https://user@h:8080${path}`);
  }
  assert.deepEqual(await answer('http://h'), await answer('/'));
  assert.deepEqual(await answer('http://h?q=1'), await answer('/?q=1'));
  const bad = await rawRequest(server.port, 'GET http:/nohost HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(bad), 400);
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

// Every route regex is one V8's linear-time engine can run (others are
// refused at registration, see router.test.ts) and runs on the backtracking
// engine until it exceeds its backtrack budget, then finishes on the linear
// one. One hostile path per accepted shape, as long as the request line
// allows: without the bound, the shapes with several parameters in a segment
// backtrack in polynomial time (minutes of blocked event loop for 8 KB), the
// others exponentially (forever); the audit's `{1,32}` and `{32}` shapes took
// 10 s and 8.9 s. With it each answers in milliseconds, so 1 s is a generous
// bound that still catches any of them.
const SHAPES: readonly [route: string, hostile: string][] = [
  ['/d/{a}-{b}-{c}-{e}', `/d/${'-'.repeat(8000)}%7B`],
  ['/j/{p}.{q}.json', `/j/${'.'.repeat(8000)}x`],
  ['/t/{a:.*}/{b:.*}/{c:.*}/end', `/t/${'/'.repeat(8000)}x`],
  ['/ids/{user_ids:([0-9]+)(,([0-9]+))*}', `/ids/${'1,'.repeat(4000)}x`],
  ['/n/{v:(a+)+}', `/n/${'a'.repeat(8000)}!`],
  ['/x/{v:(a|a)+}', `/x/${'a'.repeat(8000)}!`],
  ['/w/{v:(\\w+\\s?)*}', `/w/${'a'.repeat(8000)}!`],
  ['/r/{code:(?:\\w|\\d){1,16}(?:\\w|\\d){0,16}}', `/r/${'a'.repeat(8000)}!`],
  ['/f/{a}-{b}-{c}-{h:[0-9a-f]{16}[0-9a-f]{16}}', `/f/${'-'.repeat(8000)}`],
];

test('every accepted route shape answers a hostile path in well under a second', async (t) => {
  const port = await childServer(t, `import * as web from WEB;
const app = new web.Application();
app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
for (const route of ${JSON.stringify(SHAPES.map((s) => s[0]))}) app.router.addGet(route, async (r) => web.jsonResponse(r.matchInfo));
web.runApp(app, { host: '127.0.0.1', port: 0, accessLog: null });
`);
  for (const [route, path] of SHAPES) {
    const started = performance.now();
    const raw = await answeredWithin(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 10);
    const seconds = (performance.now() - started) / 1000;
    assert.notEqual(raw, null, `${route}: GET ${path.slice(0, 20)}… blocked the server`);
    assert.equal(statusOf(raw ?? ''), 404, route);
    assert.ok(seconds < 1, `${route}: a hostile path took ${seconds.toFixed(2)} s`);
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

test('a repeated group (comma-separated ids) is accepted and matches as in aiohttp', async (t) => {
  const app = new web.Application();
  app.router.addGet('/users/{user_ids:([0-9]+)(,([0-9]+))*}', async (r) => web.jsonResponse(r.matchInfo));
  const client = await clientFor(t, app);
  assert.deepEqual(await (await client.get('/users/1,22,333')).json(), { user_ids: '1,22,333' });
  assert.equal((await client.get('/users/1,,2')).status, 404);
});

test('control for the test above: its child-process harness serves a plain request', async (t) => {
  const port = await childServer(t, `import * as web from WEB;
const app = new web.Application();
app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
web.runApp(app, { host: '127.0.0.1', port: 0, accessLog: null });
`);
  await stillServes(port);
});
