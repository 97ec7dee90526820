// Issue 10: console.log of a ClientResponse shows aiohttp's repr: the URL,
// status and reason, then the headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import * as web from '../../src/web/index.js';
import { clientFor } from '../web/helpers.js';

test('inspect() of a ClientResponse is its status line and headers, as aiohttp\'s repr', async (t) => {
  const app = new web.Application();
  app.router.addGet('/x', async () => new web.Response({ text: 'hi', headers: { 'X-Quote': 'it\'s' } }));
  const client = await clientFor(t, app);
  const r = await client.get('/x');
  await r.text();
  const shown = inspect(r);
  const [first, second] = shown.split('\n');
  assert.equal(first, `<ClientResponse(${client.makeUrl('/x')}) [200 OK]>`);
  assert.match(second ?? '', /^<CIMultiDictProxy\(.*\)>$/);
  assert.match(second ?? '', /'x-quote': 'it\\'s'/);
  assert.match(second ?? '', /'content-type': 'text\/plain; charset=utf-8'/);
  assert.match(second ?? '', /'content-length': '2'/);
});
