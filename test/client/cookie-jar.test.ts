// The session's cookie jar on tough-cookie: rules, sharing, unsafe IP hosts;
// cookies given as name → value are quoted, never split or given attributes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieJar, DummyCookieJar, InvalidHeaderError } from '../../src/client/index.js';
import { serve, session } from './helpers.js';

test('cookies set by a response are sent by later requests (unsafe jar for 127.0.0.1)', async (t) => {
  const { url } = await serve(t, (req, res) => {
    if (req.url === '/login') res.setHeader('set-cookie', ['sid=abc; Path=/', 'pref=dark; Path=/app']);
    res.end(req.headers.cookie ?? '');
  });
  const s = session(t, { cookieJar: new CookieJar({ unsafe: true }) });
  const login = await s.get(`${url}/login`);
  assert.deepEqual(login.cookies, { sid: 'abc', pref: 'dark' });
  await login.text();
  assert.equal(await (await s.get(`${url}/`)).text(), 'sid=abc');
  assert.equal(await (await s.get(`${url}/app/x`)).text(), 'pref=dark; sid=abc');
  assert.deepEqual(s.cookieJar.filterCookies(`${url}/app`), { pref: 'dark', sid: 'abc' });
  assert.equal([...s.cookieJar].length, 2);
});

test('the default jar ignores cookies from IP hosts, as aiohttp', async (t) => {
  const { url } = await serve(t, (req, res) => {
    res.setHeader('set-cookie', 'sid=abc');
    res.end(req.headers.cookie ?? '');
  });
  const s = session(t);
  await (await s.get(url)).text();
  assert.equal(await (await s.get(url)).text(), '');
});

test('domain, secure, expiry and path rules', () => {
  const jar = new CookieJar();
  jar.updateCookies(['a=1; Domain=example.org', 'b=2; Secure', 'c=3; Max-Age=0', 'd=4; Domain=other.org', 'e=5; Path=/p'], 'http://www.example.org/');
  assert.deepEqual(jar.filterCookies('http://www.example.org/'), { a: '1' });
  assert.deepEqual(jar.filterCookies('http://sub.example.org/p/q'), { a: '1' });
  assert.deepEqual(jar.filterCookies('http://www.example.org/p/q'), { a: '1', e: '5' });
  jar.updateCookies(['s=1; Secure'], 'https://www.example.org/');
  assert.deepEqual(jar.filterCookies('http://www.example.org/'), { a: '1' });
  assert.equal(jar.filterCookies('https://www.example.org/').s, '1');
  jar.clear();
  assert.deepEqual(jar.filterCookies('https://www.example.org/'), {});
});

test('per-request cookies and DummyCookieJar', async (t) => {
  const { url } = await serve(t, (req, res) => {
    res.setHeader('set-cookie', 'x=1');
    res.end(req.headers.cookie ?? '');
  });
  const s = session(t, { cookieJar: new DummyCookieJar({ unsafe: true }) });
  assert.equal(await (await s.get(url, { cookies: { k: 'v' } })).text(), 'k=v');
  assert.equal(await (await s.get(url)).text(), '');
});

test('Expires: a future date keeps the cookie (with its date), a past one deletes it', () => {
  const jar = new CookieJar();
  const future = new Date(Date.now() + 86_400_000);
  jar.updateCookies([`k=1; Expires=${future.toUTCString()}`, 'session=1'], 'http://example.org/');
  const stored = [...jar];
  assert.equal(stored.find((c) => c.name === 'k')?.expires?.toUTCString(), future.toUTCString());
  assert.equal(stored.find((c) => c.name === 'session')?.expires, null);
  jar.updateCookies(['k=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT'], 'http://example.org/');
  assert.deepEqual(jar.filterCookies('http://example.org/'), { session: '1' });
});

test('a cookie for a public suffix, or for a domain the host is not in, is refused', () => {
  const jar = new CookieJar();
  jar.updateCookies(['a=1; Domain=com', 'b=2; Domain=example.net', 'c=3; Domain=.example.org'], 'http://www.example.org/');
  assert.deepEqual(jar.filterCookies('http://www.example.org/'), { c: '3' });
  assert.deepEqual(jar.filterCookies('http://other.com/'), {});
});

test('unsafe: IP hosts both store and receive; the default refuses both ways', () => {
  const safe = new CookieJar();
  safe.updateCookies(['a=1'], 'http://127.0.0.1:8080/');
  assert.deepEqual(safe.filterCookies('http://127.0.0.1:8080/'), {});
  const unsafe = new CookieJar({ unsafe: true });
  unsafe.updateCookies(['a=1'], 'http://127.0.0.1:8080/');
  unsafe.updateCookies(['v6=1'], 'http://[::1]:8080/');
  assert.deepEqual(unsafe.filterCookies('http://127.0.0.1:9090/x'), { a: '1' });
  assert.deepEqual(unsafe.filterCookies('http://[::1]/'), { v6: '1' });
  assert.deepEqual(unsafe.filterCookies('http://127.0.0.2/'), {});
  assert.throws(() => new CookieJar({ unsafe: 'yes' as never }), /unsafe must be a boolean/);
});

// Per-request cookies: a value is one cookie whatever it holds (aiohttp quotes it).
const quoted: [string, string][] = [
  ['guest; role=admin', '"guest\\073\\040role=admin"'],
  ['a,b=c', '"a\\054b=c"'],
  ['with space', '"with\\040space"'],
  ['tab\there', '"tab\\011here"'],
  ['say "hi"', '"say\\040\\"hi\\""'],
  ['back\\slash', '"back\\\\slash"'],
  ['café', '"caf\\351"'],
  ['x=y', '"x=y"'],
  ['plain-Token_1.2', 'plain-Token_1.2'],
];
for (const [value, wire] of quoted) {
  test(`per-request cookie value ${JSON.stringify(value)} is sent as one quoted cookie`, async (t) => {
    const seen: (string | undefined)[] = [];
    const { url } = await serve(t, (req, res) => {
      seen.push(req.headers.cookie);
      res.end();
    });
    const s = session(t);
    await (await s.get(url, { cookies: { session: value, other: '1' } })).text();
    assert.equal(seen[0], `session=${wire}; other=1`);
  });
}

test('a per-request cookie name that is not a token is refused before sending', async (t) => {
  let requests = 0;
  const { url } = await serve(t, (_req, res) => {
    requests++;
    res.end();
  });
  const s = session(t);
  for (const name of ['a;b', 'a=b', 'a b', 'a,b', '', 'a\r\nb']) {
    await assert.rejects(s.get(url, { cookies: { [name]: 'x' } }), InvalidHeaderError, JSON.stringify(name));
  }
  await assert.rejects(s.get(url, { cookies: { a: 'x\ny' } }), InvalidHeaderError);
  await assert.rejects(s.get(url, { cookies: { a: {} as string } }), TypeError);
  assert.equal(requests, 0);
});

const noAttributes: [string, string][] = [
  ['dark; Domain=example.com', 'http://other.example.com/'],
  ['dark; Path=/admin', 'http://www.example.com/admin'],
  ['dark; Max-Age=0', 'http://www.example.com/'],
  ['dark, evil=1; Domain=example.com', 'http://other.example.com/'],
];
for (const [value, probe] of noAttributes) {
  test(`updateCookies({ pref: ${JSON.stringify(value)} }) stores one host-only cookie with that value, no attributes`, () => {
    const jar = new CookieJar();
    jar.updateCookies({ pref: value }, 'http://www.example.com/');
    const all = [...jar];
    assert.equal(all.length, 1);
    assert.equal(all[0]!.name, 'pref');
    assert.equal(all[0]!.path, '/');
    assert.equal(jar.filterCookies('http://www.example.com/').pref, value);
    if (!probe.startsWith('http://www.')) assert.deepEqual(jar.filterCookies(probe), {});
    assert.equal(jar.cookieHeader('http://www.example.com/').startsWith('pref="dark\\'), true);
  });
}

test('updateCookies with a record refuses a name that is not a token; Set-Cookie lines keep their attributes', () => {
  const jar = new CookieJar();
  assert.throws(() => jar.updateCookies({ 'a; Domain=example.com': 'x' }, 'http://www.example.com/'), InvalidHeaderError);
  jar.updateCookies(['pref=dark; Domain=example.com'], 'http://www.example.com/');
  assert.equal(jar.filterCookies('http://other.example.com/').pref, 'dark');
});
