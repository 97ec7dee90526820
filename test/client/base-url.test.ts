// baseUrl cannot be escaped: the session's headers (Authorization) are meant
// for the base's origin. Absolute URLs and network-path references are
// refused, as aiohttp refuses them; a backslash stays a path character.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { test, type TestContext } from 'node:test';
import { InvalidURL } from '../../src/client/index.js';
import { serve, session } from './helpers.js';

interface Seen {
  url: string;
  authorization: string | undefined;
}

async function recorder(t: TestContext): Promise<{ url: string; hostPort: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const { url } = await serve(t, (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.end('ok');
  });
  return { url, hostPort: new URL(url).host, seen };
}

/** How each escape is written, given the other server's `host:port`. */
const refused: [string, (other: string) => string | URL][] = [
  ['an absolute http URL', (o) => `http://${o}/x`],
  ['an absolute URL with an upper-case scheme', (o) => `HTTP://${o}/x`],
  ['an absolute URL with credentials', (o) => `http://user:pw@${o}/x`],
  ['a URL object', (o) => new URL(`http://${o}/x`)],
  ['a network-path reference //host', (o) => `//${o}/x`],
  ['//host behind leading spaces', (o) => `  //${o}/x`],
  ['//host behind a leading tab', (o) => `\t//${o}/x`],
  ['//host split by a newline (the parser drops it)', (o) => `/\n/${o}/x`],
  ['//host split by a tab', (o) => `/\t/${o}/x`],
  ['a scheme-relative https reference', (o) => `https:${o}/x`],
];

for (const [name, make] of refused) {
  test(`baseUrl: ${name} is refused with InvalidURL and never reaches the other host`, async (t) => {
    const api = await recorder(t);
    const other = await recorder(t);
    const s = session(t, { baseUrl: `${api.url}/v1/`, headers: { authorization: 'Bearer secret' } });
    await assert.rejects(s.get(make(other.hostPort)), (e: unknown) => {
      assert.ok(e instanceof InvalidURL, String(e));
      assert.match((e as Error).message, /baseUrl/);
      return true;
    });
    assert.deepEqual(other.seen, []);
    assert.deepEqual(api.seen, []);
  });
}

const kept: [string, (other: string) => string, string][] = [
  ['/\\host/x (a backslash is a path character, as in yarl)', (o) => `/\\${o}/x`, '/%5C'],
  ['\\\\host/x', (o) => `\\\\${o}/x`, '/v1/%5C%5C'],
  ['\\/host/x', (o) => `\\/${o}/x`, '/v1/%5C/'],
  ['a relative path', () => 'items?q=1', '/v1/items?q=1'],
  ['an absolute path', () => '/health', '/health'],
];

for (const [name, make, prefix] of kept) {
  test(`baseUrl: ${name} stays on the base host`, async (t) => {
    const api = await recorder(t);
    const other = await recorder(t);
    const s = session(t, { baseUrl: `${api.url}/v1/`, headers: { authorization: 'Bearer secret' } });
    assert.equal(await (await s.get(make(other.hostPort))).text(), 'ok');
    assert.deepEqual(other.seen, []);
    assert.equal(api.seen.length, 1);
    assert.ok(api.seen[0]!.url.startsWith(prefix), api.seen[0]!.url);
    assert.equal(api.seen[0]!.authorization, 'Bearer secret');
  });
}

test('baseUrl: wsConnect() follows the same rule', async (t) => {
  const other = await recorder(t);
  const s = session(t, { baseUrl: 'http://127.0.0.1:1/' });
  await assert.rejects(s.wsConnect(`ws://${other.hostPort}/ws`), InvalidURL);
  await assert.rejects(s.wsConnect(`//${other.hostPort}/ws`), InvalidURL);
  assert.deepEqual(other.seen, []);
});

test('without baseUrl, absolute URLs are what a session takes', async (t) => {
  const api = await recorder(t);
  const s = session(t);
  assert.equal(await (await s.get(new URL(`${api.url}/x`))).text(), 'ok');
  assert.equal(await (await s.get(`${api.url}/y`)).text(), 'ok');
});
