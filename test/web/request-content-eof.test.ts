// request.content once read()/text()/json()/post() took the body: at EOF, as aiohttp's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

/** Reads the body one way, then drains `content` (within 5 s: before the fix it waited forever). */
function readThenContent(read: (r: web.Request) => Promise<unknown>): web.Handler {
  return async (request) => {
    const first = await read(request);
    const rest: Buffer[] = [];
    await waitFor(async () => {
      for await (const line of request.content) rest.push(line);
    }, 5);
    return web.jsonResponse({ first: String(first), rest: Buffer.concat(rest).toString(), eof: request.content.atEof() });
  };
}

test('request.content is at EOF once read(), text(), json() or post() consumed the body', async (t) => {
  const app = new web.Application();
  app.router.addPost('/read', readThenContent((r) => r.read()));
  app.router.addPost('/text', readThenContent((r) => r.text()));
  app.router.addPost('/json', readThenContent(async (r) => JSON.stringify(await r.json())));
  app.router.addPost('/post', readThenContent(async (r) => new URLSearchParams([...(await r.post())] as [string, string][]).toString()));
  const client = await clientFor(t, app);
  const cases: [string, Parameters<typeof client.post>[1], string][] = [
    ['/read', { data: 'a\nb' }, 'a\nb'],
    ['/text', { data: 'a\nb' }, 'a\nb'],
    ['/json', { json: { a: 1 } }, '{"a":1}'],
    ['/post', { data: { a: '1' } }, 'a=1'],
  ];
  for (const [path, options, first] of cases) {
    const res = await client.post(path, options);
    assert.equal(res.status, 200, path);
    assert.deepEqual(await res.json(), { first, rest: '', eof: true }, path);
  }
});

test('request.content read first still leaves the rest to read()', async (t) => {
  const app = new web.Application();
  app.router.addPost('/', async (request) => {
    const line = await request.content.readline();
    const rest = await request.read();
    return new web.Response({ text: `${line.toString().trimEnd()}|${rest.toString()}` });
  });
  const client = await clientFor(t, app);
  const res = await client.post('/', { data: 'one\ntwo\nthree' });
  assert.equal(await res.text(), 'one|two\nthree');
});
