// The harness's checks can fail: a case whose expectation is wrong, or whose
// bytes hide a second request, is caught.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCase, startCorpusServer, type CorpusServer } from './raw-harness.js';

let srv: CorpusServer;
before(async () => {
  srv = await startCorpusServer();
});
after(() => srv.close());

const GET = 'GET /a HTTP/1.1\r\nHost: a\r\n\r\n';

test('a good case passes', () => runCase(srv, { source: 'self', send: GET, fate: [200], calls: [{ method: 'GET', url: '/a', body: '' }] }));

test('a wrong status fails', async () => {
  await assert.rejects(runCase(srv, { source: 'self', send: 'GET / HTTP/1.1\r\n\r\n', fate: [200] }), /responses/);
});

test('a request hidden behind the expected ones fails (the probe is not answered next)', async () => {
  await assert.rejects(runCase(srv, { source: 'self', send: GET + GET, fate: [200], calls: [{ method: 'GET', url: '/a', body: '' }] }), /probe/);
});

test('a handler call that was not expected fails', async () => {
  await assert.rejects(runCase(srv, { source: 'self', send: GET, fate: [200] }), /handler calls/);
});

test('a connection expected to close but kept open fails at the hang guard', { timeout: 30_000 }, async () => {
  await assert.rejects(runCase(srv, { source: 'self', send: GET, fate: [200, 'close'], calls: [{ method: 'GET', url: '/a', body: '' }] }), /hang guard/);
});
