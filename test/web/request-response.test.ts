import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

test('matchInfo, query, headers, cookies and the url', async (t) => {
  const app = new web.Application();
  app.router.addGet('/users/{id:\\d+}/{name}', async (request) => web.jsonResponse({
    id: request.matchInfo.id,
    name: request.matchInfo.name,
    tags: request.query.getAll('tag'),
    ua: request.headers.get('X-Test'),
    cookie: request.cookies.sid,
    path: request.path,
    rawPath: request.rawPath,
    url: request.url.pathname,
    scheme: request.scheme,
    remote: request.remote,
    method: request.method,
  }));
  const client = await clientFor(t, app);
  const res = await client.get('/users/42/J%C3%BCrgen?tag=a&tag=b', { headers: { 'x-test': 'yes', cookie: 'sid=abc; x=1' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.deepEqual(await res.json(), {
    id: '42', name: 'Jürgen', tags: ['a', 'b'], ua: 'yes', cookie: 'abc', path: '/users/42/Jürgen',
    rawPath: '/users/42/J%C3%BCrgen', url: '/users/42/J%C3%BCrgen', scheme: 'http', remote: '127.0.0.1', method: 'GET',
  });
});

test('body: text, json, read, post, content as StreamReader', async (t) => {
  const app = new web.Application();
  app.router.addPost('/text', async (r) => new web.Response({ text: `${r.contentType}|${r.charset}|${r.contentLength}|${r.hasBody}|${await r.text()}` }));
  app.router.addPost('/json', async (r) => web.jsonResponse(await r.json()));
  app.router.addPost('/form', async (r) => web.jsonResponse((await r.post()).getAll('a')));
  app.router.addPost('/lines', async (r) => {
    const lines: string[] = [];
    for await (const line of r.content) lines.push(line.toString().trimEnd());
    return web.jsonResponse(lines);
  });
  app.router.addPost('/bytes', async (r) => new web.Response({ body: await r.read() }));
  const client = await clientFor(t, app);
  const text = await client.post('/text', { data: 'héllo', headers: { 'content-type': 'text/plain; charset=UTF-8' } });
  assert.equal(await text.text(), `text/plain|utf-8|${Buffer.byteLength('héllo')}|true|héllo`);
  assert.deepEqual(await (await client.post('/json', { json: { a: [1, 2] } })).json(), { a: [1, 2] });
  assert.deepEqual(await (await client.post('/form', { data: { a: '1' } })).json(), ['1']);
  assert.deepEqual(await (await client.post('/form', { data: 'a=1&a=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json(), ['1', '2']);
  assert.deepEqual(await (await client.post('/lines', { data: 'one\ntwo\nthree' })).json(), ['one', 'two', 'three']);
  const bytes = await client.post('/bytes', { data: Buffer.from([0, 1, 2, 255]) });
  assert.equal(bytes.headers.get('content-type'), 'application/octet-stream');
  assert.deepEqual([...await bytes.read()], [0, 1, 2, 255]);
});

test('json() of invalid JSON is a 400; bodies past clientMaxSize are a 413', async (t) => {
  const app = new web.Application({ clientMaxSize: 10 });
  app.router.addPost('/json', async (r) => web.jsonResponse(await r.json()));
  app.router.addPost('/read', async (r) => new web.Response({ body: await r.read() }));
  const client = await clientFor(t, app);
  const bad = await client.post('/json', { data: '{"a":' });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Invalid JSON/);
  const big = await client.post('/read', { data: 'x'.repeat(11) });
  assert.equal(big.status, 413);
  assert.match(await big.text(), /Maximum request body size 10 exceeded/);
  assert.equal((await client.post('/read', { data: 'x'.repeat(10) })).status, 200);
});

test('Response defaults, headers, reason, cookies; jsonResponse; StreamResponse', async (t) => {
  const app = new web.Application();
  app.router.addGet('/text', async () => new web.Response({ text: 'hi' }));
  app.router.addGet('/html', async () => new web.Response({ body: '<b>x</b>', contentType: 'text/html' }));
  app.router.addGet('/empty', async () => new web.Response({ status: 204 }));
  app.router.addGet('/custom', async () => {
    const r = new web.Response({ text: 'c', status: 201, reason: 'Made', headers: { 'X-A': '1' } });
    r.headers.append('X-B', '2');
    r.setCookie('sid', 'v 1', { httpOnly: true, maxAge: 60 });
    r.delCookie('old');
    return r;
  });
  app.router.addGet('/json', async () => web.jsonResponse([1], { status: 202, dumps: (d) => JSON.stringify(d) + ' ' }));
  app.router.addGet('/stream', async (request) => {
    const r = new web.StreamResponse({ headers: { 'Content-Type': 'text/plain' } });
    await r.prepare(request);
    for (const p of ['a', 'b', 'c']) await r.write(p);
    await r.writeEof();
    return r;
  });
  app.router.addGet('/stream-noeof', async (request) => {
    const r = new web.StreamResponse();
    await r.prepare(request);
    await r.write(Buffer.from('partial'));
    return r;
  });
  const client = await clientFor(t, app);
  const text = await client.get('/text');
  assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(text.headers.get('content-length'), '2');
  assert.equal((await client.get('/html')).headers.get('content-type'), 'text/html');
  const empty = await client.get('/empty');
  assert.equal(empty.status, 204);
  assert.equal(await empty.text(), '');
  const custom = await client.get('/custom');
  assert.equal(custom.status, 201);
  assert.equal(custom.headers.get('x-a'), '1');
  assert.equal(custom.headers.get('x-b'), '2');
  const cookies = custom.headers.getSetCookie();
  assert.ok(cookies.some((c) => /^sid=v%201; Max-Age=60; Path=\/; HttpOnly/.test(c)), cookies.join(' | '));
  assert.ok(cookies.some((c) => /^old=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/.test(c)), cookies.join(' | '));
  const json = await client.get('/json');
  assert.equal(json.status, 202);
  assert.equal(await json.text(), '[1] ');
  assert.equal(await (await client.get('/stream')).text(), 'abc');
  assert.equal(await (await client.get('/stream-noeof')).text(), 'partial');
  const head = await client.head('/text');
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '2');
  assert.equal(await head.text(), '');
});

test('HTTPException thrown or returned; redirects; other errors are a 500 without a stack', async (t) => {
  const logged: string[] = [];
  const app = new web.Application();
  app.router.addGet('/thrown', async () => {
    throw new web.HTTPForbidden({ text: 'nope' });
  });
  app.router.addGet('/returned', async () => new web.HTTPConflict());
  app.router.addGet('/redirect', async () => {
    throw new web.HTTPFound('/target');
  });
  app.router.addGet('/target', async () => new web.Response({ text: 'arrived' }));
  app.router.addGet('/boom', async () => {
    throw new Error('secret detail');
  });
  app.router.addGet('/notresponse', async function notAResponse() {
    return 'oops' as unknown as web.Response;
  });
  const client = await clientFor(t, app, { errorLog: (msg) => logged.push(msg) });
  const thrown = await client.get('/thrown');
  assert.equal(thrown.status, 403);
  assert.equal(await thrown.text(), 'nope');
  const returned = await client.get('/returned');
  assert.equal(returned.status, 409);
  assert.equal(await returned.text(), '409: Conflict');
  const redirect = await client.get('/redirect', { allowRedirects: false });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get('location'), '/target');
  assert.equal(await (await client.get('/redirect')).text(), 'arrived');
  const boom = await client.get('/boom');
  assert.equal(boom.status, 500);
  assert.doesNotMatch(await boom.text(), /secret|at /);
  const nr = await client.get('/notresponse');
  assert.equal(nr.status, 500);
  assert.equal(logged.length, 2);
  assert.match(logged[0]!, /GET \/boom/);
  assert.match(logged[1]!, /handler notAResponse .*returned string "oops"/);
});

test('clone() replaces method and path; exceptions carry status and headers', async (t) => {
  const app = new web.Application();
  app.router.addGet('/a', async (r) => {
    const c = r.clone({ method: 'post', relUrl: '/b?x=1' });
    return new web.Response({ text: `${c.method} ${c.path} ${c.query.get('x')} ${r.method} ${r.path}` });
  });
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/a')).text(), 'POST /b 1 GET /a');
  const e = new web.HTTPMethodNotAllowed('get', ['POST', 'PUT']);
  assert.equal(e.status, 405);
  assert.equal(e.headers.get('allow'), 'POST,PUT');
  assert.equal(new web.HTTPTooManyRequests().reason, 'Too Many Requests');
  assert.ok(new web.HTTPNotFound() instanceof web.HTTPClientError);
  assert.ok(new web.HTTPBadGateway() instanceof web.HTTPServerError);
  assert.throws(() => new web.HTTPFound(''), /location must be a non-empty string/);
  assert.throws(() => new web.HTTPClientError(), /cannot be instantiated/);
  assert.throws(() => new web.Response({ status: 42 }), /status must be an integer from 100 to 999, got number 42/);
  assert.throws(() => new web.Response({ text: 'a', body: 'b' }), /body or text, not both/);
});

test('request.content pauses the socket past twice its limit and resumes as it is read', async (t) => {
  let pausedAt = -1;
  const app = new web.Application();
  app.router.addPost('/stream', async (request) => {
    const reader = request.content;
    await once(request._req, 'pause');
    pausedAt = reader.bufferedSize;
    let total = 0;
    for await (const chunk of reader.iterChunked(16 * 1024)) total += chunk.length;
    return new web.Response({ text: String(total) });
  });
  const client = await clientFor(t, app);
  const res = await client.post('/stream', { data: Buffer.alloc(1024 * 1024, 1) });
  assert.equal(await res.text(), String(1024 * 1024));
  assert.ok(pausedAt > 2 * 64 * 1024 && pausedAt < 1024 * 1024, `paused with ${pausedAt} bytes buffered`);
});

test('HTTPException bodies and headers follow aiohttp: "<status>: <reason>" except 204/205/304, Link on 451', async (t) => {
  assert.equal(new web.HTTPFound('/x').text, '302: Found');
  assert.equal(new web.HTTPOk().text, '200: OK');
  for (const E of [web.HTTPNoContent, web.HTTPResetContent, web.HTTPNotModified]) assert.equal(new E().text, null, E.name);
  assert.equal(new web.HTTPNotFound({ reason: 'Gone Fishing' }).text, '404: Gone Fishing');
  assert.throws(() => new web.HTTPBadRequest({ reason: 'a\r\nSet-Cookie: x=1' }), /reason must not contain CR, LF or NUL/);
  assert.throws(() => new web.HTTPFound('/x\r\nSet-Cookie: x=1'), /must not contain CR, LF or NUL/);
  const legal = new web.HTTPUnavailableForLegalReasons('https://authority.example/order/42');
  assert.equal(legal.status, 451);
  assert.equal(legal.link, 'https://authority.example/order/42');
  assert.equal(legal.headers.get('link'), '<https://authority.example/order/42>; rel="blocked-by"');
  assert.equal(new web.HTTPUnavailableForLegalReasons(null).headers.has('link'), false);

  const app = new web.Application();
  app.router.addGet('/found', async () => new web.HTTPFound('/elsewhere'));
  app.router.addGet('/none', async () => new web.HTTPNoContent());
  app.router.addGet('/legal', async () => {
    throw new web.HTTPUnavailableForLegalReasons('https://authority.example/');
  });
  const client = await clientFor(t, app);
  const found = await client.get('/found', { allowRedirects: false });
  assert.equal(found.status, 302);
  assert.equal(await found.text(), '302: Found');
  const none = await client.get('/none');
  assert.equal(none.status, 204);
  assert.equal(await none.text(), '');
  const legalRes = await client.get('/legal');
  assert.equal(legalRes.status, 451);
  assert.equal(legalRes.headers.get('link'), '<https://authority.example/>; rel="blocked-by"');
});

test('host, scheme and secure on plain HTTP', async (t) => {
  const app = new web.Application();
  app.router.addGet('/', async (r) => web.jsonResponse({ host: r.host, scheme: r.scheme, secure: r.secure, url: r.url.href }));
  const client = await clientFor(t, app);
  const port = client.server.port;
  assert.deepEqual(await (await client.get('/?q=1')).json(), { host: `127.0.0.1:${port}`, scheme: 'http', secure: false, url: `http://127.0.0.1:${port}/?q=1` });
  assert.deepEqual(await (await client.get('/', { headers: { host: 'example.org' } })).json(), { host: 'example.org', scheme: 'http', secure: false, url: 'http://example.org/' });
});

test('clone() replaces headers, scheme, host, remote and the body limit, as aiohttp', async (t) => {
  const app = new web.Application();
  app.router.addPost('/echo', async (r) => {
    const c = r.clone({
      headers: { 'X-Forwarded-Proto': 'https', Cookie: 'a=1', 'Content-Type': 'text/plain; charset=latin1' },
      scheme: 'https', host: 'example.org:8443', remote: '203.0.113.9', clientMaxSize: 4,
    });
    const again = c.clone({ method: 'put' });
    let tooLarge = '';
    try {
      await again.read();
    } catch (e) {
      tooLarge = e instanceof web.HTTPRequestEntityTooLarge ? '413' : String(e);
    }
    return web.jsonResponse({
      original: [r.scheme, r.host.startsWith('127.0.0.1'), r.remote, r.headers.get('x-forwarded-proto') ?? null, r.cookies],
      clone: [c.scheme, c.secure, c.host, c.remote, c.headers.get('x-forwarded-proto'), c.cookies, c.charset, c.contentType, c.url.href],
      again: [again.method, again.scheme, again.host, again.remote, again.headers.get('cookie'), tooLarge],
    });
  });
  const client = await clientFor(t, app);
  const res = await client.post('/echo', { data: 'more than four bytes', headers: { Host: '127.0.0.1:1' } });
  assert.deepEqual(await res.json(), {
    original: ['http', true, '127.0.0.1', null, {}],
    clone: ['https', true, 'example.org:8443', '203.0.113.9', 'https', { a: '1' }, 'latin1', 'text/plain', 'https://example.org:8443/echo'],
    again: ['PUT', 'https', 'example.org:8443', '203.0.113.9', 'a=1', '413'],
  });
});

test('clone() refuses bad options with a message naming them', async (t) => {
  const app = new web.Application();
  const errors: string[] = [];
  app.router.addGet('/c', async (r) => {
    const bad: unknown[] = [
      { method: 'GE T' }, { relUrl: 'x' }, { scheme: 'ftp' }, { host: 'a/b' }, { host: '' }, { remote: 1 },
      { clientMaxSize: -1 }, { clientMaxSize: 1.5 }, { headers: { 'Bad Name': 'x' } }, { headers: { 'X-A': 'a\r\nb' } }, { headers: 'x' }, 'options',
    ];
    for (const o of bad) {
      try {
        r.clone(o as web.CloneOptions);
        errors.push('accepted');
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    return new web.Response({ text: 'ok' });
  });
  const client = await clientFor(t, app);
  assert.equal(await (await client.get('/c')).text(), 'ok');
  const expected = [/method/, /relUrl/, /scheme/, /host/, /host/, /remote/, /clientMaxSize/, /clientMaxSize/, /header name/, /CR, LF/, /headers must be/, /options must be an object/];
  assert.equal(errors.length, expected.length);
  errors.forEach((m, i) => assert.match(m, expected[i]!, m));
});

test('post() on a body that is not a urlencoded form is an error, never an empty form with 200', async (t) => {
  const logged: string[] = [];
  const app = new web.Application();
  app.router.addRoute('*', '/form', async (r) => web.jsonResponse([...(await r.post()).entries()]));
  const client = await clientFor(t, app, { errorLog: (msg, e) => logged.push(`${msg} ${String(e)}`) });
  // No body: nothing to parse, an empty form (as aiohttp for GET or an empty POST).
  assert.deepEqual(await (await client.get('/form')).json(), []);
  assert.deepEqual(await (await client.post('/form', { data: '', headers: { 'content-type': 'text/plain' } })).json(), []);
  assert.deepEqual(await (await client.post('/form', { data: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } })).json(), [['a', '1'], ['b', '2']]);
  // Another type: the client sent something that is not a form.
  const json = await client.post('/form', { json: { a: 1 } });
  assert.equal(json.status, 415);
  assert.match(await json.text(), /application\/x-www-form-urlencoded.*got a body of type application\/json/);
  const untyped = await client.post('/form', { data: Buffer.from('a=1') });
  assert.equal(untyped.status, 415);
  assert.match(await untyped.text(), /got a body of type application\/octet-stream/);
  // multipart/form-data is a form too.
  const multi = await client.post('/form', {
    data: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
  });
  assert.deepEqual(await multi.json(), [['a', '1']]);
  assert.deepEqual(logged, []);
});
