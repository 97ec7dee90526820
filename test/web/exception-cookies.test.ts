// Issue 10: aiohttp's HTTPException is a response too, so a redirect can set
// a cookie (log in, then go home) and a 401 can clear one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

test('setCookie()/delCookie() on a thrown or returned HTTPException reach the client', async (t) => {
  const app = new web.Application();
  app.router.addPost('/login', async () => {
    const e = new web.HTTPFound('/home');
    e.setCookie('session', 'first');
    e.setCookie('session', 'abc123', { httpOnly: true, maxAge: 60 });
    e.setCookie('theme', 'dark');
    throw e;
  });
  app.router.addGet('/logout', async () => {
    const e = new web.HTTPUnauthorized();
    e.delCookie('session');
    return e;
  });
  const client = await clientFor(t, app);
  const r = await client.post('/login', { allowRedirects: false });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/home');
  const cookies = r.headers.getAll('set-cookie').sort();
  assert.deepEqual(cookies, ['session=abc123; Max-Age=60; Path=/; HttpOnly', 'theme=dark; Path=/']);
  const out = await client.get('/logout');
  assert.equal(out.status, 401);
  assert.match(out.headers.get('set-cookie') ?? '', /^session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
});

test('HTTPException.setCookie() checks its arguments where it is called', () => {
  const e = new web.HTTPFound('/');
  assert.throws(() => e.setCookie('', 'v'), /HTTPFound\.setCookie\(\): name must be a non-empty string/);
  assert.throws(() => e.setCookie('a b', 'v'), TypeError);
  assert.throws(() => e.setCookie('a', 5 as unknown as string), /value must be a string/);
});
