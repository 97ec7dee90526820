// Inputs the fuzzers found, kept as plain cases. Each failed before its fix.
// - the HTTP Garden mutation property (mutations.test.ts): requests that
//   reached the handler malformed;
// - jsfuzz over the router's pattern compiler and percent-decoding
//   (bench/stress/fuzz.ts): no crash in its runs so far; its targets run
//   here on hand-picked inputs so they stay correct.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as web from '../../src/web/index.js';
import { TestServer } from '../../src/testing/index.js';
import { exchange, statuses } from './raw-http.js';
import { checkRoute } from '../../bench/stress/jsfuzz/router-pattern.target.js';
import { checkDecoding } from '../../bench/stress/jsfuzz/percent-decoding.target.js';

let server: TestServer;
let handled = 0;

before(async () => {
  const app = new web.Application();
  // Found by round-trips.test.ts: a Latin-1 header value went out as UTF-8 beside a text body.
  app.router.addGet('/latin1/text', () => new web.Response({ text: 'h', headers: { 'X-V': 'caf\u00e9' } }));
  app.router.addGet('/latin1/bytes', () => new web.Response({ body: Buffer.from('h'), headers: { 'X-V': 'caf\u00e9' } }));
  app.router.addPost('/form', async (request) => web.jsonResponse([...(await request.post())].map(([k]) => k)));
  app.router.addRoute('*', '/{tail:.*}', async (request) => {
    handled++;
    await request.read();
    return new web.Response({ text: 'ok' });
  });
  server = new TestServer(app);
  await server.start();
});

after(async () => {
  await server.close();
});

const cases: { name: string; pieces: string[]; body: RegExp }[] = [
  {
    // Found by mutations.test.ts: llhttp emits the request when its head is
    // complete and only then refuses the Transfer-Encoding (400 and close), so
    // the handler ran on a request the client was told was refused.
    name: 'Transfer-Encoding that does not end in chunked, head in two writes',
    pieces: ['QUERY / HTTP/1.1\r\nHost: a\r\nTransfer-', 'Encoding: identity\r\n\r\n'],
    body: /Transfer-Encoding must end in chunked/,
  },
  {
    name: 'Transfer-Encoding: gzip on a GET',
    pieces: ['GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n'],
    body: /Transfer-Encoding must end in chunked/,
  },
  {
    // Found by mutations.test.ts: a space of the request line replaced, and
    // llhttp took the line as HTTP/0.9 with `!HTTP/1.1` in the path, headers and all.
    name: 'a request line without a version (HTTP/0.9)',
    pieces: ['POST /p?q=1!HTTP/1.1\r\nContent-Length: 10\r\nHost: z\r\n\r\n0123456789'],
    body: /HTTP\/0\.9 requests are not served/,
  },
  {
    // Found by mutations.test.ts (an inserted seed header): Node kept the first Host.
    name: 'two Host fields',
    pieces: ['GET / HTTP/1.1\r\nHost: z\r\nHost: a\r\n\r\n'],
    body: /More than one Host header/,
  },
  {
    name: 'two Host fields, different case',
    pieces: ['GET / HTTP/1.1\r\nhost: a\r\nHOST: a\r\n\r\n'],
    body: /More than one Host header/,
  },
];

for (const c of cases) {
  test(`refused with 400 before the handler: ${c.name}`, async () => {
    const before = handled;
    const { response, end } = await exchange(server.port, c.pieces.map((p) => Buffer.from(p, 'latin1')), ['timer'], 10, true);
    assert.equal(end, 'closed');
    assert.deepEqual(statuses(response), [400]);
    assert.match(response.toString('latin1'), c.body);
    assert.equal(handled, before, 'the handler did not run');
  });
}

test('well-formed neighbours of those cases still reach the handler', async () => {
  for (const raw of [
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    'GET / HTTP/1.0\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nX-Host: b\r\n\r\n',
  ]) {
    const before = handled;
    const { response } = await exchange(server.port, [Buffer.from(raw, 'latin1')], ['none'], 10, true);
    assert.deepEqual(statuses(response), [200], raw);
    assert.equal(handled, before + 1, raw);
  }
});

test('the jsfuzz targets accept hand-picked hostile inputs', () => {
  for (const [route, path] of [
    ['/{a}', '/x%2Fy'], ['/{a:\\d+}/{b}', '/12/%7B'], ['/{tail:.*}', '/a/%0A'], ['/caf%C3%A9/{x}', '/caf%C3%A9/1'],
    ['/{a}{b}', '/xy'], ['/{a:(x+x+)+y}', '/xxxxxxxxxxxxxxxxxxxxxxxxxxxx'], ['/%', '/%25'], ['/{a:\\w{20}}', '/a'], ['/{}', '/'],
  ] as const) checkRoute(route, path);
  for (const s of ['/%', '/%2', '/%C3', '/%00', '/%2F%25', '/\uD800', '/é%C3%A9', '/a%2fb', '%ZZ', '/%E2%82']) checkDecoding(s);
});

test('a Latin-1 header value is sent as one byte, with a text body as with a bytes body', async () => {
  for (const path of ['/latin1/text', '/latin1/bytes']) {
    const { response } = await exchange(server.port, [Buffer.from(`GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`)], ['none']);
    assert.ok(response.includes(Buffer.from('X-V: caf\xe9\r\n', 'latin1')), `${path}: ${JSON.stringify(response.toString('latin1'))}`);
  }
});

// Found by round-trips.test.ts, not fixed: FormData (the HTML rule) sends a
// backslash in a field name bare, and busboy reads the name as a
// quoted-string: two backslashes arrive as one, and a name ending in one
// (`name="a\"`) has no closing quote and its field is dropped without an error.
test('a multipart field whose name holds backslashes arrives under that name', { todo: 'busboy unescapes names as quoted-strings; FormData does not escape backslashes' }, async () => {
  const form = new FormData();
  form.append('a\\b', 'x');
  form.append('c\\\\d', 'y');
  form.append('\\', 'z');
  const r = await fetch(server.makeUrl('/form'), { method: 'POST', body: form });
  assert.deepEqual(await r.json(), ['a\\b', 'c\\\\d', '\\']);
});
