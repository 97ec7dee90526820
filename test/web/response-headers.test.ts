// What a handler puts in response headers reaches the wire framed once and
// in bytes Node can send: a relayed Content-Length or Transfer-Encoding never
// goes out twice or beside the other (audit item 5), and a header value Node
// would refuse is refused when it is set, naming the header, or encoded for a
// Location (item 12). Checked on the raw bytes and with undici's fetch.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import * as web from '../../src/web/index.js';
import { TestServer } from '../../src/testing/index.js';
import { rawRequest, statusOf } from './helpers.js';

async function serve(t: TestContext, app: web.Application, errors?: unknown[]): Promise<TestServer> {
  const server = new TestServer(app, { errorLog: (_m, e) => errors?.push(e) });
  await server.start();
  t.after(() => server.close());
  return server;
}

/** The raw response to `GET path` (or `method`), on its own connection. */
function get(server: TestServer, path: string, method = 'GET'): Promise<string> {
  return rawRequest(server.port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
}

/** Every value of header `name` in the head of `raw`. */
function headerValues(raw: string, name: string): string[] {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const out: string[] = [];
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (line.slice(0, colon).toLowerCase() === name) out.push(line.slice(colon + 1).trim());
  }
  return out;
}

function bodyOf(raw: string): string {
  return raw.slice(raw.indexOf('\r\n\r\n') + 4);
}

test('a relayed Content-Length that matches the body goes out once; a relayed chunked coding is dropped', async (t) => {
  const app = new web.Application();
  app.router.addGet('/cl', async () => new web.Response({ body: 'hello', headers: { 'Content-Length': '5' } }));
  app.router.addGet('/te', async () => new web.Response({ body: 'hello', headers: { 'Transfer-Encoding': 'chunked' } }));
  app.router.addGet('/both', async () => new web.Response({ text: 'hello', headers: [['Content-Length', '5'], ['transfer-encoding', 'chunked']] }));
  app.router.addGet('/exc', async () => {
    throw new web.HTTPNotFound({ text: 'gone', headers: { 'Content-Length': '4', 'Transfer-Encoding': 'chunked' } });
  });
  app.router.addGet('/head', async () => new web.Response({ headers: { 'Content-Length': '1234' } }));
  app.router.addGet('/304', async () => new web.Response({ status: 304, headers: { 'Content-Length': '1234' } }));
  const server = await serve(t, app);
  for (const path of ['/cl', '/te', '/both', '/exc']) {
    const raw = await get(server, path);
    assert.deepEqual(headerValues(raw, 'content-length'), [path === '/exc' ? '4' : '5'], `${path}: ${raw}`);
    assert.deepEqual(headerValues(raw, 'transfer-encoding'), [], path);
    assert.equal(bodyOf(raw), path === '/exc' ? 'gone' : 'hello', path);
    // undici refuses a response framed twice; here it reads the body.
    const res = await fetch(server.makeUrl(path));
    assert.equal(await res.text(), path === '/exc' ? 'gone' : 'hello', path);
  }
  // HEAD and 304 may declare the length of what a GET would get.
  const head = await get(server, '/head', 'HEAD');
  assert.deepEqual(headerValues(head, 'content-length'), ['1234']);
  assert.equal(statusOf(head), 200);
  const notModified = await get(server, '/304');
  assert.equal(statusOf(notModified), 304);
  assert.deepEqual(headerValues(notModified, 'content-length'), ['1234']);
});

test('a Content-Length that contradicts the body is refused where it is set, or with a 500 when found at send time', async (t) => {
  assert.throws(() => new web.Response({ body: 'hello', headers: { 'Content-Length': '3' } }), /Response\(\): the Content-Length header says 3 bytes but the body is 5 bytes/);
  assert.throws(() => new web.Response({ text: 'hello', headers: { 'content-length': ['5', '6'] } }), /Content-Length has different values/);
  assert.throws(() => new web.HTTPNotFound({ text: 'gone', headers: { 'Content-Length': '100' } }), /HTTPNotFound\(\): the Content-Length header says 100 bytes but the body is 4 bytes/);
  assert.throws(() => new web.Response({ body: 'x', headers: { 'Transfer-Encoding': 'gzip, chunked' } }), /Transfer-Encoding "gzip, chunked" cannot be sent/);
  assert.throws(() => new web.Response({ headers: { 'Content-Length': 'abc' } }), /value of Content-Length must be a number of bytes/);

  const errors: unknown[] = [];
  const app = new web.Application();
  app.router.addGet('/late', async () => {
    const resp = new web.Response({ text: 'hello', headers: { 'Content-Length': '5' } });
    resp.body = 'hello, world';
    return resp;
  });
  app.router.addGet('/nobody', async () => new web.Response({ headers: { 'Content-Length': '10' } }));
  const server = await serve(t, app, errors);
  for (const path of ['/late', '/nobody']) {
    const raw = await get(server, path);
    assert.equal(statusOf(raw), 500, `${path}: ${raw}`);
    assert.deepEqual(headerValues(raw, 'content-length'), [String(bodyOf(raw).length)], path);
  }
  assert.match(String(errors[0]), /says 5 bytes but the body is 12 bytes/);
  assert.match(String(errors[1]), /says 10 bytes but there is no body/);
});

test('a StreamResponse sends the user\'s Content-Length or chunked, never both, and Node holds the body to the length', async (t) => {
  const errors: unknown[] = [];
  let writeError: unknown = null;
  const app = new web.Application();
  app.router.addGet('/len', async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Content-Length': '10' } });
    await resp.prepare(request);
    await resp.write('0123456789');
    await resp.writeEof();
    return resp;
  });
  app.router.addGet('/over', async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Content-Length': '3' } });
    await resp.prepare(request);
    try {
      await resp.write('0123456789');
    } catch (e) {
      writeError = e;
      throw e;
    }
    return resp;
  });
  app.router.addGet('/chunked', async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Transfer-Encoding': 'chunked' } });
    await resp.prepare(request);
    await resp.write('abc');
    return resp;
  });
  app.router.addGet('/both', async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Content-Length': '3', 'Transfer-Encoding': 'chunked' } });
    await resp.prepare(request);
    return resp;
  });
  app.router.addGet('/unprepared', async () => new web.StreamResponse({ headers: { 'Content-Length': '3' } }));
  const server = await serve(t, app, errors);

  const len = await get(server, '/len');
  assert.deepEqual(headerValues(len, 'content-length'), ['10']);
  assert.deepEqual(headerValues(len, 'transfer-encoding'), []);
  assert.equal(bodyOf(len), '0123456789');
  assert.equal(await (await fetch(server.makeUrl('/len'))).text(), '0123456789');

  const chunked = await get(server, '/chunked');
  assert.deepEqual(headerValues(chunked, 'transfer-encoding'), ['chunked']);
  assert.deepEqual(headerValues(chunked, 'content-length'), []);
  assert.equal(await (await fetch(server.makeUrl('/chunked'))).text(), 'abc');

  // Past the declared length the write fails in the handler, and the
  // connection is closed: nothing beyond the length reaches the wire.
  const over = await get(server, '/over');
  assert.ok(!over.includes('0123'), `on the wire: ${JSON.stringify(over)}`);
  assert.match(String(writeError), /content-length/i);

  for (const path of ['/both', '/unprepared']) {
    const raw = await get(server, path);
    assert.equal(statusOf(raw), 500, `${path}: ${raw}`);
    assert.deepEqual(headerValues(raw, 'transfer-encoding'), [], path);
  }
  assert.ok(errors.some((e) => /Content-Length and Transfer-Encoding cannot both be sent/.test(String(e))), String(errors));
  assert.ok(errors.some((e) => /returned it without writing a body/.test(String(e))), String(errors));
});

test('header values Node cannot send are refused when set, naming the header', () => {
  const resp = new web.StreamResponse();
  const bad: [() => unknown, RegExp][] = [
    [() => resp.headers.set('X-Note', 'caf\u20ac'), /value of X-Note has U\+20AC at index 3, which Node cannot send/],
    [() => resp.headers.append('X-Ctl', 'a\u0001b'), /value of X-Ctl has U\+0001 at index 1/],
    [() => resp.headers.set('X-Del', 'a\u007f'), /value of X-Del has U\+007F/],
    [() => new web.Response({ headers: { 'Content-Disposition': 'attachment; filename="r\u00e9sum\u00e9 \u2603.pdf"' } }), /value of Content-Disposition has U\+2603/],
    [() => new web.Response({ text: 'x', contentType: 'text/\u20ac' }), /Response\(\): the Content-Type from contentType and charset has U\+20AC/],
    [() => new web.Response({ body: 'x', contentType: 'text/plain', charset: 'utf\u00018' }), /Content-Type from contentType and charset has U\+0001/],
    [() => new web.Response({ reason: 'OK \u2713' }), /Response\(\): reason has U\+2713/],
    [() => resp.setStatus(200, 'a\u0002'), /setStatus\(\): reason has U\+0002/],
    [() => new web.HTTPNotFound({ reason: 'Nicht gefunden \u2639' }), /HTTPNotFound\(\): reason has U\+2639/],
    [() => new web.HTTPNotFound({ text: 'x', contentType: 'text/\u0003' }), /HTTPNotFound\(\): contentType has U\+0003/],
    [() => new web.HTTPFound('/x', { headers: { 'X-A': '\u0010' } }), /value of X-A has U\+0010/],
    [() => resp.setCookie('sid', 'x', { path: '/\u20ac' }), /setCookie\(\): cookie "sid": option path is invalid/],
  ];
  for (const [fn, re] of bad) assert.throws(fn, re);
  // Tab, Latin-1 and visible ASCII are what Node sends.
  resp.headers.set('X-Ok', 'caf\u00e9\tok');
  assert.equal(resp.headers.get('x-ok'), 'caf\u00e9\tok');
});

test('a Location is percent-encoded as yarl does, and the client gets the redirect', async (t) => {
  assert.equal(new web.HTTPFound('/search?q=\u20ac').location, '/search?q=%E2%82%AC');
  assert.equal(new web.HTTPFound('/a b\\c').location, '/a%20b%5Cc');
  assert.equal(new web.HTTPFound('/x?p=100%&q=%41').location, '/x?p=100%25&q=%41');
  assert.equal(new web.HTTPFound('https://example.com/caf\u00e9#top').location, 'https://example.com/caf%C3%A9#top');
  assert.equal(new web.HTTPFound('/tab\there').location, '/tab%09here');
  const app = new web.Application();
  app.router.addGet('/go', async () => {
    throw new web.HTTPFound('/search?q=\u20ac');
  });
  const server = await serve(t, app);
  const raw = await get(server, '/go');
  assert.equal(statusOf(raw), 302);
  assert.deepEqual(headerValues(raw, 'location'), ['/search?q=%E2%82%AC']);
});

test('a header value that slips past the checks gets a 500, not a dropped connection', async (t) => {
  const errors: unknown[] = [];
  const app = new web.Application();
  app.router.addGet('/', async () => {
    const e = new web.HTTPBadRequest();
    // `reason` is readonly only to TypeScript; a plain assignment after the checks.
    Object.assign(e, { reason: 'Bad \u2603' });
    throw e;
  });
  const server = await serve(t, app, errors);
  const raw = await get(server, '/');
  assert.equal(statusOf(raw), 500, raw);
  assert.equal(errors.length, 1);
});
