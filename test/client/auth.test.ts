// BasicAuth as aiohttp's: encode/decode/fromUrl; `auth` on the session and
// per request; credentials in the URL; Authorization not carried to another
// origin by a redirect; and the bad input each of these refuses.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { BasicAuth } from '../../src/client/index.js';
import { serve, session } from './helpers.js';

async function recorder(t: Parameters<typeof serve>[0], onRequest?: http.RequestListener) {
  const seen: { url: string; authorization: string | undefined }[] = [];
  const srv = await serve(t, (req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    if (onRequest !== undefined) onRequest(req, res);
    else res.end('ok');
  });
  return { ...srv, seen };
}

test('BasicAuth: encode, decode, fromUrl', () => {
  const a = new BasicAuth('user', 'pass');
  assert.equal(a.encode(), `Basic ${Buffer.from('user:pass').toString('base64')}`);
  assert.deepEqual([a.login, a.password, a.encoding], ['user', 'pass', 'latin1']);
  assert.equal(new BasicAuth('user').password, '');
  const back = BasicAuth.decode(a.encode());
  assert.deepEqual([back.login, back.password], ['user', 'pass']);
  // A password may hold a colon; latin1 is byte-for-byte.
  const latin = new BasicAuth('josé', 'a:b');
  assert.equal(latin.encode(), `Basic ${Buffer.from('josé:a:b', 'latin1').toString('base64')}`);
  assert.deepEqual([BasicAuth.decode(latin.encode()).login, BasicAuth.decode(latin.encode()).password], ['josé', 'a:b']);
  const utf8 = new BasicAuth('юзер', 'пароль', 'utf-8');
  assert.equal(utf8.encode(), `Basic ${Buffer.from('юзер:пароль', 'utf8').toString('base64')}`);
  assert.equal(BasicAuth.decode(utf8.encode(), 'utf-8').login, 'юзер');
  assert.equal(BasicAuth.decode('basic dXNlcjpwYXNz').login, 'user', 'the scheme is case-insensitive');
  const fromUrl = BasicAuth.fromUrl(new URL('http://us%40er:p%3Ass@example.com/'));
  assert.deepEqual([fromUrl?.login, fromUrl?.password, fromUrl?.encoding], ['us@er', 'p:ss', 'latin1']);
  assert.equal(BasicAuth.fromUrl('http://example.com/'), null);
  assert.equal(inspect(a), `BasicAuth(login="user", password='***', encoding="latin1")`);
  assert.ok(Object.isFrozen(a));
});

test('BasicAuth bad input: a colon in the login, non-latin1 with the default encoding, bad headers', () => {
  assert.throws(() => new BasicAuth('us:er', 'x'), /^RangeError: BasicAuth\(\): a ":" is not allowed in the login/);
  assert.throws(() => new BasicAuth('юзер', 'x'), /^RangeError: BasicAuth\(\): .* latin1 cannot encode \(pass encoding 'utf-8'/);
  assert.throws(() => new BasicAuth('user', '密码'), /latin1 cannot encode/);
  assert.throws(() => new BasicAuth('user', 'é', 'ascii'), /ascii cannot encode/);
  assert.throws(() => new BasicAuth('user', 'x', 'koi8-r'), /^RangeError: BasicAuth\(\): unknown encoding "koi8-r"/);
  assert.throws(() => new BasicAuth(null as never), /^TypeError: BasicAuth\(\): login must be a string, got null/);
  assert.throws(() => new BasicAuth('u', 5 as never), /password must be a string/);
  const bad: [string, RegExp][] = [
    ['Basic', /could not parse/],
    ['Bearer dXNlcjpwYXNz', /unknown authorization method "Bearer"/],
    ['Basic !!!!', /invalid base64/],
    ['Basic dXNlcjpwYXNz=', /invalid base64/],
    [`Basic ${Buffer.from('nocolon').toString('base64')}`, /no ":"/],
  ];
  for (const [header, re] of bad) assert.throws(() => BasicAuth.decode(header), re, header);
  assert.throws(() => BasicAuth.decode(`Basic ${Buffer.from([0xff, 0x3a]).toString('base64')}`, 'utf-8'), /not valid UTF-8/);
});

test('auth on the session and per request (the request\'s wins); none sent without it', async (t) => {
  const srv = await recorder(t);
  const s = session(t, { auth: new BasicAuth('sess', 'pw') });
  assert.equal(s.auth?.login, 'sess');
  await (await s.get(`${srv.url}/a`)).text();
  await (await s.get(`${srv.url}/b`, { auth: new BasicAuth('req', 'pw') })).text();
  await (await session(t).get(`${srv.url}/c`)).text();
  assert.deepEqual(srv.seen.map((x) => x.authorization), [new BasicAuth('sess', 'pw').encode(), new BasicAuth('req', 'pw').encode(), undefined]);
});

test('credentials in the URL become Basic auth (latin1, as aiohttp) and leave the URL', async (t) => {
  const srv = await recorder(t);
  const s = session(t);
  const u = new URL(srv.url);
  const resp = await s.get(`http://jos%C3%A9:p%40ss@${u.host}/x`);
  await resp.text();
  assert.equal(srv.seen[0]?.authorization, new BasicAuth('josé', 'p@ss').encode());
  assert.equal(resp.url.username, '', 'the response URL carries no credentials');
  assert.equal(resp.requestInfo.url.password, '');
});

test('bad combinations of auth are refused before anything is sent', async (t) => {
  const srv = await recorder(t);
  const s = session(t);
  const u = new URL(srv.url);
  await assert.rejects(s.get(`http://a:b@${u.host}/`, { auth: new BasicAuth('c', 'd') }), /^TypeError: ClientSession\.request\(\): cannot combine the auth option with credentials in the URL/);
  await assert.rejects(s.get(srv.url, { auth: new BasicAuth('c'), headers: { Authorization: 'Bearer x' } }), /cannot combine an Authorization header with the auth option/);
  await assert.rejects(s.get(srv.url, { auth: { login: 'a', password: 'b' } as never }), /^TypeError: ClientSession\.request\(\): auth must be a BasicAuth, got/);
  assert.throws(() => session(t, { auth: 'user:pass' as never }), /^TypeError: ClientSession\(\): auth must be a BasicAuth/);
  await assert.rejects(s.get(`http://%D1%8E:x@${u.host}/`), /^RangeError: ClientSession\.request\(\): the credentials in the URL cannot be sent as latin1.*new BasicAuth\(login, password, 'utf-8'\)/);
  await assert.rejects(s.get(`http://a%3Ab:x@${u.host}/`), /a ":" is not allowed in the login/);
  assert.equal(srv.seen.length, 0);
  // auth: null means none (and does not conflict with an explicit header).
  await (await s.get(srv.url, { auth: null, headers: { Authorization: 'Bearer x' } })).text();
  assert.equal(srv.seen[0]?.authorization, 'Bearer x');
});

test('Authorization is dropped on a redirect to another origin, kept on the same origin', async (t) => {
  const other = await recorder(t);
  const first = await recorder(t, (req, res) => {
    if (req.url === '/away') res.writeHead(302, { location: `${other.url}/landed` }).end();
    else if (req.url === '/here') res.writeHead(307, { location: '/final' }).end();
    else res.end('ok');
  });
  const auth = new BasicAuth('user', 'pw');
  for (const s of [session(t, { auth }), session(t)]) {
    const opts = s.auth === null ? { auth } : {};
    await (await s.get(`${first.url}/here`, opts)).text();
    await (await s.get(`${first.url}/away`, opts)).text();
  }
  assert.deepEqual(first.seen.map((x) => [x.url, x.authorization]), [
    ['/here', auth.encode()], ['/final', auth.encode()], ['/away', auth.encode()],
    ['/here', auth.encode()], ['/final', auth.encode()], ['/away', auth.encode()],
  ]);
  assert.deepEqual(other.seen.map((x) => [x.url, x.authorization]), [['/landed', undefined], ['/landed', undefined]]);
  // Credentials in the URL are not carried either.
  const u = new URL(first.url);
  await (await session(t).get(`http://user:pw@${u.host}/away`)).text();
  assert.equal(other.seen[2]?.authorization, undefined);
});

test('credentials in a redirect Location are used for the next hop', async (t) => {
  const other = await recorder(t);
  const o = new URL(other.url);
  const first = await recorder(t, (_req, res) => res.writeHead(302, { location: `http://new:creds@${o.host}/in` }).end());
  await (await session(t).get(first.url, { auth: new BasicAuth('old') })).text();
  assert.equal(other.seen[0]?.authorization, new BasicAuth('new', 'creds').encode());
});
