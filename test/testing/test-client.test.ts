import assert from 'node:assert/strict';
import { test } from 'node:test';
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
