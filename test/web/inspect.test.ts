// Issue 10: console.log of a Request or a response shows what aiohttp's repr
// shows, instead of a dump of private fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

test('inspect() of a Request and of responses, before, while and after sending', async (t) => {
  const seen: Record<string, string> = {};
  const app = new web.Application();
  app.router.addGet('/café/{x}', async (request) => {
    seen.request = inspect(request);
    const resp = new web.StreamResponse({ status: 201 });
    seen.fresh = inspect(resp);
    await resp.prepare(request);
    seen.prepared = inspect(resp);
    await resp.writeEof('done');
    seen.eof = inspect(resp);
    const whole = new web.Response({ text: 'x', status: 404, reason: 'Nope' });
    seen.whole = inspect(whole);
    return resp;
  });
  const client = await clientFor(t, app);
  const r = await client.get('/caf%C3%A9/1?q=2');
  assert.equal(await r.text(), 'done');
  assert.deepEqual(seen, {
    request: '<Request GET /caf\\xe9/1 >',
    fresh: '<StreamResponse Created not prepared>',
    prepared: '<StreamResponse Created GET /café/1 >',
    eof: '<StreamResponse Created eof>',
    whole: '<Response Nope not prepared>',
  });
  assert.equal(inspect(new web.Response()), '<Response OK not prepared>');
});
