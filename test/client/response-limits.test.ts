// aiohttp's limits on a response: max_line_size / max_field_size (the status
// line, each header name and value: a 400 ClientResponseError past them) and
// read_bufsize (the body reader's limit), on the session and per request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientResponseError, ClientSession } from '../../src/client/index.js';
import { serve, session } from './helpers.js';

test('a header value past maxFieldSize (8190 by default) is a 400 ClientResponseError; the session goes on', async (t) => {
  const { url } = await serve(t, (req, res) => {
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? '10');
    res.setHeader('x-big', 'v'.repeat(n));
    res.end('ok');
  });
  const s = session(t);
  const err = await s.get(`${url}/?n=9000`).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ClientResponseError, String(err));
  assert.equal(err.status, 400);
  assert.match(err.message, /Got more than 8190 bytes \(9000\) when reading Header value is too long/);
  assert.equal(err.requestInfo.url.href, `${url}/?n=9000`);
  assert.equal(await (await s.get(`${url}/?n=8190`)).text(), 'ok');
  // Per request: a higher limit, no limit, or a lower one.
  assert.equal((await s.get(`${url}/?n=9000`, { maxFieldSize: 9000 })).headers.get('x-big')?.length, 9000);
  assert.equal((await s.get(`${url}/?n=9000`, { maxFieldSize: 0 })).status, 200);
  await assert.rejects(s.get(`${url}/?n=10`, { maxFieldSize: 5 }), /Header value is too long/);
  await assert.rejects(s.get(`${url}/?n=10`, { maxFieldSize: 4 }), /Header name is too long/); // "x-big"
});

test('a session with a larger maxFieldSize takes headers beyond undici\'s default 16 KiB block', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.setHeader('x-big', 'v'.repeat(30_000));
    res.end('ok');
  });
  const s = session(t, { maxFieldSize: 32_768 });
  const resp = await s.get(url);
  assert.equal(resp.headers.get('x-big')?.length, 30_000);
  assert.equal(await resp.text(), 'ok');
});

test('a status line past maxLineSize is a 400 ClientResponseError', async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, 'R'.repeat(9000));
    res.end('ok');
  });
  const s = session(t);
  await assert.rejects(s.get(url), (e: unknown) => e instanceof ClientResponseError && e.status === 400 && /Status line is too long/.test(e.message));
  const ok = await s.get(url, { maxLineSize: 10_000 });
  assert.equal(ok.reason, 'R'.repeat(9000));
  await ok.text();
});

test('readBufsize is the body reader\'s limit, on the session and per request', async (t) => {
  const body = Buffer.alloc(200_000, 'a');
  const { url } = await serve(t, (_req, res) => res.end(body));
  const s = session(t, { readBufsize: 1024 });
  const r1 = await s.get(url);
  assert.equal(r1.content.limit, 1024);
  assert.equal((await r1.read()).length, body.length);
  const r2 = await s.get(url, { readBufsize: 4096 });
  assert.equal(r2.content.limit, 4096);
  await r2.read();
  const r3 = await session(t).get(url);
  assert.equal(r3.content.limit, 65536);
  await r3.read();
});

test('bad limits are refused', async (t) => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ readBufsize: 0 }, /readBufsize must be >= 1/],
    [{ readBufsize: 1.5 }, /readBufsize must be an integer/],
    [{ maxLineSize: -1 }, /maxLineSize must be >= 0/],
    [{ maxFieldSize: '8190' }, /maxFieldSize must be an integer/],
  ];
  const s = session(t);
  for (const [opts, message] of bad) {
    assert.throws(() => new ClientSession(opts), message);
    await assert.rejects(s.get('http://127.0.0.1:1/', opts), message);
  }
  assert.throws(() => new ClientSession({ max_field_size: 1 } as never), /did you mean "maxFieldSize"/);
});
