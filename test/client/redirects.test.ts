// Redirects as aiohttp and browsers follow them.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { test } from 'node:test';
import { ClientPayloadError, CookieJar, InsecureRedirectClientError, NonHttpUrlRedirectClientError, TCPConnector } from '../../src/client/index.js';
import { serve, serveTls, session } from './helpers.js';

type Seen = { method: string; url: string; body: string; headers: http.IncomingHttpHeaders };

async function redirector(t: import('node:test').TestContext, status: number): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const { url } = await serve(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString(), headers: req.headers });
      if (req.url === '/from') {
        res.writeHead(status, { location: '/to' });
        res.end('moved');
      } else {
        res.end(`at ${req.url}`);
      }
    });
  });
  return { url, seen };
}

const table: [number, string, string, string][] = [
  // status, method sent, method after, body after
  [301, 'POST', 'GET', ''],
  [302, 'POST', 'GET', ''],
  [303, 'POST', 'GET', ''],
  [303, 'PUT', 'GET', ''],
  [301, 'PUT', 'PUT', 'payload'],
  [307, 'POST', 'POST', 'payload'],
  [308, 'POST', 'POST', 'payload'],
  [308, 'PUT', 'PUT', 'payload'],
];
for (const [status, method, after, body] of table) {
  test(`${status} after ${method} → ${after}${body === '' ? ' without body' : ' with the body'}`, async (t) => {
    const { url, seen } = await redirector(t, status);
    const s = session(t);
    const resp = await s.request(method, `${url}/from`, { data: 'payload' });
    assert.equal(await resp.text(), 'at /to');
    assert.equal(resp.url.pathname, '/to');
    assert.equal(resp.history.length, 1);
    assert.equal(resp.history[0]!.status, status);
    assert.equal(seen[1]!.method, after);
    assert.equal(seen[1]!.body, body);
    if (body === '') assert.equal(seen[1]!.headers['content-type'], undefined);
  });
}

test('allowRedirects: false returns the 3xx itself', async (t) => {
  const { url } = await redirector(t, 302);
  const s = session(t);
  const resp = await s.get(`${url}/from`, { allowRedirects: false });
  assert.equal(resp.status, 302);
  assert.equal(resp.headers.get('location'), '/to');
  assert.equal(await resp.text(), 'moved');
});

for (const status of [307, 308]) {
  test(`a ${status} after a streamed body cannot be followed: ClientPayloadError (as aiohttp), the 3xx released`, async (t) => {
    const { url, seen } = await redirector(t, status);
    const s = session(t);
    async function* gen(): AsyncGenerator<Buffer> {
      yield Buffer.from('streamed');
    }
    await assert.rejects(s.post(`${url}/from`, { data: gen() }), (e: unknown) => {
      assert.ok(e instanceof ClientPayloadError);
      assert.match((e as Error).message, new RegExp(`Cannot follow the ${status} redirect to .*/to: the request body was streamed`));
      return true;
    });
    assert.deepEqual(seen.map((x) => `${x.method} ${x.url} ${x.body}`), ['POST /from streamed']);
    assert.equal(s.connector._slots.active, 0);
    // A streamed body is fine when the redirect turns into a GET without body.
    const { url: url303 } = await redirector(t, 303);
    assert.equal(await (await s.post(`${url303}/from`, { data: gen() })).text(), 'at /to');
  });
}

test('a cross-origin redirect drops Authorization and Cookie; same-origin keeps them', async (t) => {
  const seenB: http.IncomingHttpHeaders[] = [];
  const b = await serve(t, (req, res) => {
    seenB.push(req.headers);
    res.end('b');
  });
  const seenA: http.IncomingHttpHeaders[] = [];
  const a = await serve(t, (req, res) => {
    seenA.push(req.headers);
    if (req.url === '/away') res.writeHead(302, { location: `${b.url}/x` }).end();
    else if (req.url === '/here') res.writeHead(302, { location: '/final' }).end();
    else res.end('a');
  });
  // Two origins on the same host: port makes the origin.
  const s = session(t, { headers: { authorization: 'Bearer secret' } });
  await (await s.get(`${a.url}/here`, { headers: { cookie: 'c=1' } })).text();
  assert.equal(seenA[1]!.authorization, 'Bearer secret');
  assert.equal(seenA[1]!.cookie, 'c=1');
  await (await s.get(`${a.url}/away`, { headers: { cookie: 'c=1' } })).text();
  assert.equal(seenB[0]!.authorization, undefined);
  assert.equal(seenB[0]!.cookie, undefined);
});

test('jar cookies follow the hop\'s host: a cross-host redirect carries none of the first host\'s', async (t) => {
  const seenB: http.IncomingHttpHeaders[] = [];
  const b = await serve(t, (req, res) => {
    seenB.push(req.headers);
    res.setHeader('set-cookie', 'bcookie=2');
    res.end('b');
  });
  // `localhost` and `127.0.0.1` are two hosts for the jar (cookies ignore ports, as RFC 6265 says).
  const a = await serve(t, (req, res) => {
    res.setHeader('set-cookie', 'acookie=1');
    if (req.url === '/away') res.writeHead(302, { location: `${b.url}/x` });
    res.end('a');
  });
  const aUrl = a.url.replace('127.0.0.1', 'localhost');
  const s = session(t, { cookieJar: new CookieJar({ unsafe: true }) });
  await (await s.get(`${aUrl}/set`)).text();
  const resp = await s.get(`${aUrl}/away`, { cookies: { mine: 'x' } });
  assert.equal(await resp.text(), 'b');
  assert.equal(seenB[0]!.cookie, undefined);
  assert.deepEqual(s.cookieJar.filterCookies(`${aUrl}/`), { acookie: '1' });
  assert.deepEqual(s.cookieJar.filterCookies(`${b.url}/`), { bcookie: '2' });
});

test('https → http: refused unless allowInsecureRedirects; when followed, credentials stay behind', async (t) => {
  const seenPlain: http.IncomingHttpHeaders[] = [];
  const plain = await serve(t, (req, res) => {
    seenPlain.push(req.headers);
    res.end('plain');
  });
  const { url: secure } = await serveTls(t, (req, res) => {
    if (req.url === '/down') res.writeHead(302, { location: `${plain.url}/landing` }).end();
    else res.writeHead(302, { location: '/secure-target' }).end(req.url === '/secure-target' ? 'secure' : '');
  });
  const s = session(t, { headers: { authorization: 'Bearer secret' } });
  await assert.rejects(s.get(`${secure}/down`, { ssl: false }), (e: unknown) => {
    assert.ok(e instanceof InsecureRedirectClientError);
    assert.match((e as Error).message, /downgrades https to http/);
    return true;
  });
  assert.equal(seenPlain.length, 0);
  const resp = await s.get(`${secure}/down`, { ssl: false, allowInsecureRedirects: true });
  assert.equal(await resp.text(), 'plain');
  assert.equal(resp.history[0]!.url.protocol, 'https:');
  assert.equal(seenPlain[0]!.authorization, undefined, 'https and http are two origins');
  assert.equal(s.connector._slots.active, 0);
});

test('a refused redirect gives its connection back, not only when collected', async (t) => {
  // A body larger than the reader buffers: left alone, it would hold its slot.
  const { url } = await serve(t, (_req, res) => res.writeHead(302, { location: 'ftp://example.org/' }).end(Buffer.alloc(1024 * 1024)));
  // One connection: a refused 3xx that kept it would leave the next request waiting for a pool slot.
  const s = session(t, { connector: new TCPConnector({ limit: 1 }), timeout: { connect: 5 } });
  for (let i = 0; i < 3; i++) await assert.rejects(s.get(url), NonHttpUrlRedirectClientError);
});
