// ClientSession and ClientResponse against a real local node:http server.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync, brotliCompressSync, deflateSync } from 'node:zlib';
import { ClientResponse, ClientSession, ClientResponseError, TCPConnector, TraceConfig } from '../../src/client/index.js';
import { InvalidStateError as CoreInvalidState } from '../../src/index.js';
import { serve, session } from './helpers.js';

function echo(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
  });
}

test('GET: status, reason, headers, url, text and json', async (t) => {
  const { url } = await serve(t, echo);
  const s = session(t);
  const resp = await s.get(`${url}/hello/x`, { params: { a: 1, b: ['x', 'y'] }, headers: { 'X-Test': 'yes' } });
  assert.ok(resp instanceof ClientResponse);
  assert.equal(resp.status, 200);
  assert.equal(resp.reason, 'OK');
  assert.equal(resp.ok, true);
  assert.equal(resp.contentType, 'application/json');
  assert.equal(resp.headers.get('Content-Type'), 'application/json');
  assert.equal(resp.url.href, `${url}/hello/x?a=1&b=x&b=y`);
  const body = await resp.json<{ url: string; headers: Record<string, string> }>();
  assert.equal(body.url, '/hello/x?a=1&b=x&b=y');
  assert.equal(body.headers['x-test'], 'yes');
  assert.equal(body.headers['accept-encoding'], 'gzip, deflate, br');
  assert.equal(resp.closed, true);
  assert.equal(resp.toString(), `<ClientResponse(${url}/hello/x?a=1&b=x&b=y) [200 OK]>`);
});

test('baseUrl and default headers', async (t) => {
  const { url } = await serve(t, echo);
  const s = session(t, { baseUrl: url, headers: { authorization: 'Bearer t' } });
  const body = await (await s.get('/a/b')).json<{ url: string; headers: Record<string, string> }>();
  assert.equal(body.url, '/a/b');
  assert.equal(body.headers.authorization, 'Bearer t');
});

test('request bodies: text, bytes, json, form record, URLSearchParams, FormData, async iterable', async (t) => {
  const { url } = await serve(t, echo);
  const s = session(t);
  type Echo = { method: string; headers: Record<string, string>; body: string };
  const cases: [string, Parameters<ClientSession['post']>[1], string, RegExp][] = [
    ['text', { data: 'hi' }, 'hi', /^text\/plain/],
    ['bytes', { data: Buffer.from([0x61, 0x62]) }, 'ab', /^application\/octet-stream$/],
    ['json', { json: { a: [1, 2] } }, '{"a":[1,2]}', /^application\/json$/],
    ['record form', { data: { a: '1', b: [2, 3] } }, 'a=1&b=2&b=3', /^application\/x-www-form-urlencoded$/],
    ['URLSearchParams', { data: new URLSearchParams({ q: 'a b' }) }, 'q=a+b', /^application\/x-www-form-urlencoded$/],
    ['stream', { data: Readable.from([Buffer.from('x'), Buffer.from('y')]) }, 'xy', /.*/],
  ];
  for (const [name, opts, body, type] of cases) {
    const got = await (await s.post(url, opts)).json<Echo>();
    assert.equal(got.method, 'POST', name);
    assert.equal(got.body, body, name);
    assert.match(got.headers['content-type'] ?? '', type, name);
  }
  const fd = new FormData();
  fd.append('field', 'value');
  const got = await (await s.put(url, { data: fd })).json<Echo>();
  assert.equal(got.method, 'PUT');
  assert.match(got.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
  assert.match(got.body, /name="field"\r\n\r\nvalue\r\n/);
});

test('the shortcuts send their method; head does not read a body', async (t) => {
  const { url } = await serve(t, echo);
  const s = session(t);
  for (const m of ['get', 'post', 'put', 'patch', 'delete', 'options'] as const) {
    const got = await (await s[m](url)).json<{ method: string }>();
    assert.equal(got.method, m.toUpperCase());
  }
  const head = await s.head(url);
  assert.equal(head.status, 200);
  assert.equal((await head.read()).length, 0);
});

test('content is a StreamReader: readline, iterChunked, async iteration', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.write('line 1\n');
    setImmediate(() => res.end('line 2\nline 3\n'));
  });
  const s = session(t);
  const r1 = await s.get(url);
  assert.equal((await r1.content.readline()).toString(), 'line 1\n');
  const rest: string[] = [];
  for await (const line of r1.content) rest.push(line.toString());
  assert.deepEqual(rest, ['line 2\n', 'line 3\n']);
  const r2 = await s.get(url);
  const chunks: Buffer[] = [];
  for await (const c of r2.content.iterChunked(4)) chunks.push(c);
  assert.ok(chunks.every((c) => c.length <= 4));
  assert.equal(Buffer.concat(chunks).toString(), 'line 1\nline 2\nline 3\n');
});

test('a large body is delivered whole, with flow control', async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
  const { url } = await serve(t, (_req, res) => res.end(big));
  const s = session(t);
  const body = await (await s.get(url)).read();
  assert.equal(body.length, big.length);
  assert.ok(body.equals(big));
});

test('autoDecompress: gzip, deflate and br; off leaves the bytes', async (t) => {
  const text = 'compressed '.repeat(1000);
  const enc: Record<string, Buffer> = { gzip: gzipSync(text), deflate: deflateSync(text), br: brotliCompressSync(text) };
  const { url } = await serve(t, (req, res) => {
    const e = (req.url ?? '/').slice(1);
    res.setHeader('content-encoding', e);
    res.end(enc[e]);
  });
  const s = session(t);
  for (const e of Object.keys(enc)) assert.equal(await (await s.get(`${url}/${e}`)).text(), text, e);
  const raw = session(t, { autoDecompress: false });
  assert.ok((await (await raw.get(`${url}/gzip`)).read()).equals(enc.gzip!));
});

test('text() decodes with the response charset or the one given', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.setHeader('content-type', 'text/plain; charset=latin1');
    res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  });
  const s = session(t);
  assert.equal(await (await s.get(url)).text(), 'café');
  assert.equal(await (await s.get(url)).text('utf-8'), 'caf\ufffd');
});

test('raiseForStatus: on the response, the session, or per request', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.statusCode = 404;
    res.end('nope');
  });
  const s = session(t);
  const resp = await s.get(url);
  assert.equal(resp.ok, false);
  assert.throws(() => resp.raiseForStatus(), (e: unknown) => e instanceof ClientResponseError && e.status === 404 && e.requestInfo.method === 'GET');
  await assert.rejects(s.get(url, { raiseForStatus: true }), ClientResponseError);
  const strict = session(t, { raiseForStatus: true });
  await assert.rejects(strict.get(url), /404, message="Not Found"/);
  let called = 0;
  await (await s.get(url, { raiseForStatus: () => { called++; } })).text();
  assert.equal(called, 1);
});

test('a closed session refuses requests with a clear error; close is idempotent', async (t) => {
  const { url } = await serve(t, echo);
  const s = new ClientSession();
  await (await s.get(url)).text();
  await s.close();
  assert.equal(s.closed, true);
  await assert.rejects(s.get(url), (e: unknown) => e instanceof CoreInvalidState && /session is closed/.test((e as Error).message));
  await s.close();
});

test('await using closes the session and releases the response', async (t) => {
  const { url } = await serve(t, echo);
  let s: ClientSession;
  {
    await using session = new ClientSession();
    s = session;
    await using resp = await session.get(url);
    assert.equal(resp.status, 200);
  }
  assert.equal(s.closed, true);
});

test('an unread body is released back to the pool: the next request reuses the socket', async (t) => {
  let connections = 0;
  const { url, server } = await serve(t, (_req, res) => res.end('x'.repeat(1000)));
  server.on('connection', () => connections++);
  // One connection per host: a body not drained would force a second socket.
  const s = session(t, { connector: new TCPConnector({ limitPerHost: 1 }) });
  for (let i = 0; i < 5; i++) {
    const resp = await s.get(url);
    resp.release();
  }
  await (await s.get(url)).text();
  assert.equal(connections, 1);
});

test('trace hooks see start, end, queued and connection creation', async (t) => {
  const { url } = await serve(t, echo);
  const tc = new TraceConfig();
  const events: string[] = [];
  tc.onRequestStart.push((_s, ctx) => { ctx.start = performance.now(); events.push('start'); });
  tc.onRequestEnd.push((_s, ctx, p) => { events.push(`end ${p.response.status} ${typeof ctx.start}`); });
  tc.onConnectionCreateStart.push(() => { events.push('create-start'); });
  tc.onConnectionCreateEnd.push(() => { events.push('create-end'); });
  tc.onRequestException.push(() => { events.push('exception'); });
  const s = session(t, { traceConfigs: [tc] });
  await (await s.get(url)).text();
  assert.deepEqual(events, ['start', 'create-start', 'create-end', 'end 200 number']);
});

test('resp.headers: case-insensitive, repeated values, getSetCookie() as fetch\'s Headers', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.setHeader('set-cookie', ['a=1; Path=/', 'b=2']);
    res.setHeader('x-multi', ['one', 'two']);
    res.end();
  });
  const s = session(t);
  const resp = await s.get(url);
  assert.deepEqual(resp.headers.getSetCookie(), ['a=1; Path=/', 'b=2']);
  assert.equal(resp.headers.get('X-Multi'), 'one, two');
  assert.deepEqual(resp.headers.getAll('x-multi'), ['one', 'two']);
  assert.deepEqual(resp.cookies, { a: '1', b: '2' });
  assert.deepEqual(resp.headers.getSetCookie(), resp.headers.getAll('Set-Cookie'));
});

test('credentials in the URL become a Basic Authorization header', async (t) => {
  const { url } = await serve(t, echo);
  const s = session(t);
  const withCreds = url.replace('http://', 'http://us%20er:p%40ss@');
  const got = await (await s.get(`${withCreds}/x`)).json<{ headers: Record<string, string> }>();
  assert.equal(got.headers.authorization, `Basic ${Buffer.from('us er:p@ss').toString('base64')}`);
});

test('methods: known ones in any case, custom tokens upper-cased', async (t) => {
  const { url } = await serve(t, echo);
  const s = session(t);
  assert.equal((await (await s.request('get', url)).json<{ method: string }>()).method, 'GET');
  assert.equal((await (await s.request('purge', url)).json<{ method: string }>()).method, 'PURGE');
});
