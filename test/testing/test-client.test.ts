import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientError, ClientResponse, ClientResponseError } from '../../src/client/index.js';
import { TestClient, TestServer } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';

function echoApp(): web.Application {
  const app = new web.Application();
  app.router.addRoute('*', '/echo', async (r) => web.jsonResponse({
    method: r.method,
    query: Object.fromEntries(r.query),
    type: r.contentType,
    body: await r.text(),
    header: r.headers.get('x-h') ?? null,
  }));
  app.router.addGet('/go', async () => {
    throw new web.HTTPFound('/echo');
  });
  return app;
}

test('TestClient sends every method with headers, data, json and params', async (t) => {
  const client = await TestClient.create(echoApp());
  t.after(() => client.close());
  assert.match(client.makeUrl('/x'), /^http:\/\/127\.0\.0\.1:\d+\/x$/);
  const r = await client.post('/echo', { json: { a: 1 }, params: { q: '1' }, headers: { 'x-h': 'v' } });
  assert.equal(r.status, 200);
  assert.ok(r.ok);
  assert.deepEqual(await r.json(), { method: 'POST', query: { q: '1' }, type: 'application/json', body: '{"a":1}', header: 'v' });
  const form = await (await client.put('/echo', { data: { k: 'v w' } })).json();
  assert.deepEqual(form, { method: 'PUT', query: {}, type: 'application/x-www-form-urlencoded', body: 'k=v+w', header: null });
  for (const m of ['patch', 'delete', 'options', 'get'] as const) {
    assert.equal((await (await client[m]('/echo')).json<{ method: string }>()).method, m.toUpperCase());
  }
  assert.equal((await client.head('/echo')).status, 200);
  assert.equal((await client.request('PROPFIND', '/echo')).status, 200);
});

test('redirects are followed unless allowRedirects is false', async (t) => {
  const client = await TestClient.create(echoApp());
  t.after(() => client.close());
  assert.equal((await client.get('/go')).status, 200);
  const r = await client.get('/go', { allowRedirects: false });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/echo');
});

test('TestServer runs startup and cleanup; close() is idempotent', async () => {
  const events: string[] = [];
  const app = echoApp();
  app.onStartup.push(async () => void events.push('startup'));
  app.onCleanup.push(async () => void events.push('cleanup'));
  const server = new TestServer(app);
  assert.throws(() => server.port, /call start\(\) first/);
  await server.start();
  const client = new TestClient(server);
  assert.equal(client.app, app);
  assert.equal((await client.get('/echo')).status, 200);
  await client.close();
  await client.close();
  assert.deepEqual(events, ['startup', 'cleanup']);
});

test('TestClient returns the client\'s ClientResponse, read on demand', async (t) => {
  const app = echoApp();
  app.router.addGet('/big', async () => new web.Response({ body: Buffer.alloc(1024 * 1024, 0x61) }));
  const client = await TestClient.create(app);
  t.after(() => client.close());
  const r = await client.get('/echo', { params: { q: '1' } });
  assert.ok(r instanceof ClientResponse);
  assert.equal(r.url.pathname, '/echo');
  assert.equal(r.contentType, 'application/json');
  assert.deepEqual(await r.json(), { method: 'GET', query: { q: '1' }, type: 'application/octet-stream', body: '', header: null });
  // The redirect chain is the client's: history, then the final response.
  const followed = await client.get('/go');
  assert.equal(followed.history.length, 1);
  assert.equal(followed.history[0]!.status, 302);
  followed.release();
  // A body left unread is the client's to release: close() does it, with the session.
  const unread = await client.get('/big');
  assert.equal(unread.status, 200);
  await client.close();
  assert.equal(client.session.closed, true);
  await assert.rejects(unread.read(), ClientError);
  await assert.rejects(client.get('/echo'), /session is closed/);
});

test('TestClient keeps cookies from the 127.0.0.1 server, as aiohttp\'s (an unsafe jar)', async (t) => {
  const app = new web.Application();
  app.router.addGet('/login', async () => {
    const resp = new web.Response({ text: 'in' });
    resp.setCookie('sid', 'abc');
    return resp;
  });
  app.router.addGet('/me', async (r) => new web.Response({ text: r.cookies.sid ?? 'anonymous' }));
  const client = await TestClient.create(app);
  t.after(() => client.close());
  assert.equal(await (await client.get('/me')).text(), 'anonymous');
  assert.deepEqual((await client.get('/login')).cookies, { sid: 'abc' });
  assert.equal(await (await client.get('/me')).text(), 'abc');
  assert.equal(client.session.cookieJar.unsafe, true);
});

test('TestClient: a bad path rejects; session options reach the session', async (t) => {
  const client = await TestClient.create(echoApp(), undefined, { raiseForStatus: true });
  t.after(() => client.close());
  await assert.rejects(client.get('echo'), /path must start with "\/"/);
  await assert.rejects(client.get('/missing'), (e: unknown) => e instanceof ClientResponseError && e.status === 404);
  assert.throws(() => new TestClient({} as never), /server must be a TestServer/);
});
