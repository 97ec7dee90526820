import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

function app(): web.Application {
  const a = new web.Application();
  a.router.addGet('/x', async () => {
    const r = new web.Response({ text: 'hello' });
    r.headers.set('X-Out', 'o');
    return r;
  });
  return a;
}

test('the access log uses aiohttp\'s default format', async (t) => {
  const lines: string[] = [];
  const client = await clientFor(t, app(), { accessLog: (l) => lines.push(l) });
  await client.get('/x?y=1', { headers: { 'user-agent': 'ua/1', referer: 'http://r/' } });
  await client.get('/missing');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^127\.0\.0\.1 \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/x\?y=1 HTTP\/1\.1" 200 5 "http:\/\/r\/" "ua\/1"$/);
  assert.match(lines[1]!, /"GET \/missing HTTP\/1\.1" 404 14 "-" /);
});

test('a custom format, a logger object, and a sink that throws does not break serving', async (t) => {
  const lines: string[] = [];
  const client = await clientFor(t, app(), { accessLog: { info: (l: string) => lines.push(l) }, accessLogFormat: '%s %{X-Out}o %P %% %Tf %D' });
  await client.get('/x');
  assert.match(lines[0]!, /^200 o <\d+> % \d+\.\d{6} \d+$/);
  const broken = await clientFor(t, app(), { accessLog: () => {
    throw new Error('sink down');
  } });
  assert.equal((await broken.get('/x')).status, 200);
  assert.throws(() => new web.AppRunner(app(), { accessLog: 42 as never }), /accessLog must be a function/);
});

test('accessLog: null turns it off', async (t) => {
  const client = await clientFor(t, app(), { accessLog: null });
  assert.equal((await client.get('/x')).status, 200);
});
