// Hostile input, each case on a real socket with raw bytes, each followed by
// a good request on a new connection to prove the server still serves.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as web from '../../src/web/index.js';
import { TestServer } from '../../src/testing/index.js';
import { openSocket, rawRequest, statusOf } from './helpers.js';

const logged: string[] = [];
let server: TestServer;

before(async () => {
  const app = new web.Application({ clientMaxSize: 1024 });
  app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
  app.router.addGet('/items/{id:\\d+}', async (r) => new web.Response({ text: r.matchInfo.id }));
  app.router.addGet('/p/{x}', async (r) => new web.Response({ text: r.matchInfo.x }));
  app.router.addPost('/echo', async (r) => new web.Response({ body: await r.read() }));
  app.router.addPost('/json', async (r) => web.jsonResponse(await r.json()));
  app.router.addGet('/bad-return', async function badReturn() {
    return { status: 200 } as unknown as web.Response;
  });
  server = new TestServer(app, { errorLog: (msg) => logged.push(msg), headersTimeout: 0.3 });
  await server.start();
});

after(() => server.close());

async function stillServes(): Promise<void> {
  const raw = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(statusOf(raw), 200, 'the server no longer serves');
  assert.match(raw, /alive$/);
}

const H = 'Host: x\r\n';
const cases: { name: string; send: string | Buffer; status: number }[] = [
  { name: 'malformed request line', send: 'GARBAGE\r\n\r\n', status: 400 },
  { name: 'bad protocol in the request line', send: 'GET / HTTX/1.1\r\nHost: x\r\n\r\n', status: 400 },
  { name: 'header without colon', send: `GET / HTTP/1.1\r\n${H}Bad Header\r\n\r\n`, status: 400 },
  { name: 'space before the colon', send: `GET / HTTP/1.1\r\nHost : x\r\n\r\n`, status: 400 },
  { name: 'NUL in a header value', send: `GET / HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n`, status: 400 },
  { name: 'oversized headers', send: `GET / HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431 },
  { name: 'HTTP/1.1 without Host', send: 'GET / HTTP/1.1\r\n\r\n', status: 400 },
  { name: 'Content-Length and Transfer-Encoding both', send: `POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 },
  { name: 'negative Content-Length', send: `POST /echo HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, status: 400 },
  { name: 'non-numeric Content-Length', send: `POST /echo HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`, status: 400 },
  { name: 'two different Content-Lengths', send: `POST /echo HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`, status: 400 },
  { name: 'bad chunk size', send: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n`, status: 400 },
  { name: 'body past clientMaxSize with Content-Length (headers only sent)', send: `POST /echo HTTP/1.1\r\n${H}Content-Length: 100000000\r\n\r\n`, status: 413 },
  { name: 'body past clientMaxSize, chunked', send: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n800\r\n${'x'.repeat(0x800)}\r\n`, status: 413 },
  { name: 'invalid JSON to json()', send: `POST /json HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\n{"a":`, status: 400 },
  { name: '{id:\\d+} given letters', send: `GET /items/abc HTTP/1.1\r\n${H}\r\n`, status: 404 },
  { name: 'path with %00', send: `GET /p/a%00b HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'invalid percent-encoding', send: `GET /p/a%zzb HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'truncated percent-encoding', send: `GET /p/a% HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'percent-encoding of invalid UTF-8', send: `GET /p/%C3%28 HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'request target too long', send: `GET /p/${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`, status: 414 },
  { name: 'request target not a path', send: `GET nonsense HTTP/1.1\r\n${H}\r\n`, status: 400 },
  { name: 'handler returning a non-response', send: `GET /bad-return HTTP/1.1\r\n${H}\r\n`, status: 500 },
];

for (const c of cases) {
  test(`${c.name} → ${c.status}, and the server keeps serving`, async () => {
    const raw = await rawRequest(server.port, c.send, { until: /\r\n\r\n/ });
    assert.equal(statusOf(raw), c.status, raw.slice(0, 200));
    await stillServes();
  });
}

test('the handler returning a non-response is logged with its name', () => {
  assert.ok(logged.some((l) => /handler badReturn .*returned object/.test(l)), logged.join('\n'));
});

test('a slow sender gets 408 after headersTimeout', async () => {
  const sock = await openSocket(server.port);
  let out = '';
  sock.on('data', (d) => (out += d.toString()));
  sock.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  await new Promise((resolve) => sock.once('close', resolve));
  assert.equal(statusOf(out), 408);
  await stillServes();
});

test('a client that disconnects mid-body does not stop the server', async () => {
  const sock = await openSocket(server.port);
  sock.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 500\r\n\r\n${'x'.repeat(200)}`);
  sock.destroy();
  await stillServes();
});

test('a route regex V8\'s linear-time engine cannot run is refused at registration', () => {
  const app = new web.Application();
  assert.throws(() => app.router.addGet('/r/{code:(?:\\w|\\d){1,32}}', async () => new web.Response()), /linear-time engine/);
});

test('a body slower than requestTimeout gets 408 and the connection closed; the server keeps serving', async (t) => {
  const app = new web.Application();
  app.router.addGet('/', async () => new web.Response({ text: 'alive' }));
  app.router.addPost('/echo', async (r) => new web.Response({ body: await r.read() }));
  const slow = new TestServer(app, { requestTimeout: 0.3, errorLog: () => {} });
  await slow.start();
  t.after(() => slow.close());
  const sock = await openSocket(slow.port);
  let out = '';
  sock.on('data', (d) => (out += d.toString()));
  sock.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\nonly a little`);
  await new Promise((resolve) => sock.once('close', resolve));
  assert.equal(statusOf(out), 408);
  const raw = await rawRequest(slow.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(raw, /alive$/);
});
