// Issue 10: what aiohttp lets a handler set on a response before it is sent:
// `content_length` on a StreamResponse, `text` and `body` on a Response.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidStateError } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

test('StreamResponse.contentLength: null without the header, set and cleared before prepare()', () => {
  const resp = new web.StreamResponse();
  assert.equal(resp.contentLength, null);
  resp.contentLength = 5;
  assert.equal(resp.contentLength, 5);
  assert.equal(resp.headers.get('Content-Length'), '5');
  resp.contentLength = null;
  assert.equal(resp.contentLength, null);
  assert.equal(resp.headers.has('Content-Length'), false);
  assert.equal(new web.StreamResponse({ headers: { 'Content-Length': '7' } }).contentLength, 7);
  for (const bad of [-1, 1.5, '5', Number.NaN]) {
    assert.throws(() => { (resp as { contentLength: unknown }).contentLength = bad; }, TypeError);
  }
});

test('StreamResponse.contentLength set in a handler frames the streamed body; refused once prepared', async (t) => {
  const app = new web.Application();
  let late: unknown = null;
  app.router.addGet('/', async (request) => {
    const resp = new web.StreamResponse();
    resp.contentLength = 11;
    await resp.prepare(request);
    try {
      resp.contentLength = 3;
    } catch (e) {
      late = e;
    }
    await resp.write('hello ');
    await resp.write('world');
    await resp.writeEof();
    return resp;
  });
  const client = await clientFor(t, app);
  const r = await client.get('/');
  assert.equal(r.headers.get('content-length'), '11');
  assert.equal(r.headers.get('transfer-encoding'), null);
  assert.equal(await r.text(), 'hello world');
  assert.ok(late instanceof InvalidStateError);
});

test('Response.contentLength follows the body and cannot be set, as aiohttp', () => {
  assert.equal(new web.Response().contentLength, 0);
  assert.equal(new web.Response({ text: 'héllo' }).contentLength, 6);
  assert.equal(new web.Response({ body: Buffer.from('abc') }).contentLength, 3);
  const r = new web.Response({ text: 'x' });
  assert.throws(() => { r.contentLength = 1; }, InvalidStateError);
});

test('Response.text is settable before the response is sent, with aiohttp\'s content type rules', () => {
  const r = new web.Response();
  r.text = 'hi';
  assert.equal(r.text, 'hi');
  assert.equal(r.contentType, 'text/plain; charset=utf-8');
  assert.equal(r.contentLength, 2);
  const bin = new web.Response({ body: Buffer.from([1, 2]) });
  bin.text = 'now text';
  assert.equal(bin.contentType, 'text/plain; charset=utf-8');
  const html = new web.Response({ contentType: 'text/html' });
  html.text = '<p>x</p>';
  assert.equal(html.contentType, 'text/html; charset=utf-8');
  const kept = new web.Response({ text: 'a', contentType: 'text/html', charset: 'utf-8' });
  kept.text = 'b';
  assert.equal(kept.contentType, 'text/html; charset=utf-8');
  assert.throws(() => { (r as { text: unknown }).text = 5; }, TypeError);
});

test('Response.text and body set in a handler and middleware are what the client gets; refused once sent', async (t) => {
  let late: unknown[] = [];
  const app = new web.Application({
    middlewares: [async (request, handler) => {
      const resp = await handler(request);
      if (resp instanceof web.Response && !resp.prepared) resp.text = `${resp.text ?? ''} (wrapped)`;
      return resp;
    }],
  });
  app.router.addGet('/text', async () => {
    const resp = new web.Response();
    resp.text = 'inner';
    return resp;
  });
  app.router.addGet('/body', async (request) => {
    const resp = new web.Response({ text: 'old' });
    resp.body = Buffer.from('new body');
    await resp.prepare(request);
    late = [];
    for (const set of [() => { resp.body = 'x'; }, () => { resp.text = 'x'; }]) {
      try {
        set();
      } catch (e) {
        late.push(e);
      }
    }
    return resp;
  });
  const client = await clientFor(t, app);
  const a = await client.get('/text');
  assert.equal(a.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await a.text(), 'inner (wrapped)');
  const b = await client.get('/body');
  assert.equal(await b.text(), 'new body');
  assert.equal(late.length, 2);
  assert.ok(late.every((e) => e instanceof InvalidStateError));
});
