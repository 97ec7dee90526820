// Redirects as aiohttp and browsers follow them.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { test } from 'node:test';
import { serve, session } from './helpers.js';

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

test('a 307 with a streamed body is not replayed: the 3xx is returned', async (t) => {
  const { url } = await redirector(t, 307);
  const s = session(t);
  async function* gen(): AsyncGenerator<Buffer> {
    yield Buffer.from('streamed');
  }
  const resp = await s.post(`${url}/from`, { data: gen() });
  assert.equal(resp.status, 307);
  resp.release();
});

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
