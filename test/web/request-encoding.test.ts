// Request bodies with a Content-Encoding: decoded with node:zlib for read(),
// text(), json(), post() and content; clientMaxSize bounds the decoded size,
// so a compression bomb gets a 413 after little of it was read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import * as web from '../../src/web/index.js';
import { clientFor, rawRequest, statusOf } from './helpers.js';
import { multipartBody } from './multipart-helpers.js';

const zstd = (zlib as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync;
const text = 'héllo, wörld '.repeat(1000);
const encoders: [string, (b: Buffer) => Buffer][] = [
  ['gzip', (b) => zlib.gzipSync(b)],
  ['x-gzip', (b) => zlib.gzipSync(b)],
  ['deflate', (b) => zlib.deflateSync(b)],
  ['DEFLATE', (b) => zlib.deflateRawSync(b)],
  ['br', (b) => zlib.brotliCompressSync(b)],
  ...(zstd === undefined ? [] : [['zstd', zstd] as [string, (b: Buffer) => Buffer]]),
];

function echoApp(): web.Application {
  const app = new web.Application();
  app.router.addPost('/text', async (r) => new web.Response({ text: await r.text() }));
  app.router.addPost('/json', async (r) => web.jsonResponse(await r.json()));
  app.router.addPost('/form', async (r) => web.jsonResponse([...(await r.post())].map(([k, v]) => [k, v instanceof web.FileField ? v.size : v])));
  app.router.addPost('/content', async (r) => {
    const chunks: Buffer[] = [];
    for (let c = await r.content.readany(); c.length > 0; c = await r.content.readany()) chunks.push(c);
    return new web.Response({ text: Buffer.concat(chunks).toString() });
  });
  return app;
}

test('gzip, x-gzip, deflate (zlib and raw), br and zstd (where Node has it) bodies are decoded for text(), json(), post() and content', async (t) => {
  const client = await clientFor(t, echoApp());
  for (const [coding, encode] of encoders) {
    const headers = { 'Content-Encoding': coding };
    const a = await client.post('/text', { data: encode(Buffer.from(text)), headers });
    assert.equal(await a.text(), text, coding);
    const b = await client.post('/json', { data: encode(Buffer.from('{"a":"ü"}')), headers: { ...headers, 'Content-Type': 'application/json' } });
    assert.deepEqual(await b.json(), { a: 'ü' }, coding);
    const c = await client.post('/form', { data: encode(Buffer.from('x=1&y=%C3%BC')), headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual(await c.json(), [['x', '1'], ['y', 'ü']], coding);
    const mp = multipartBody('B', [['Content-Disposition: form-data; name="f"; filename="f.txt"', text], ['Content-Disposition: form-data; name="g"', 'v']]);
    const d = await client.post('/form', { data: encode(mp), headers: { ...headers, 'Content-Type': 'multipart/form-data; boundary=B' } });
    assert.deepEqual(await d.json(), [['f', Buffer.byteLength(text)], ['g', 'v']], coding);
    const e = await client.post('/content', { data: encode(Buffer.from(text)), headers });
    assert.equal(await e.text(), text, coding);
  }
});

test('an empty body labelled gzip is empty; identity is no coding', async (t) => {
  const client = await clientFor(t, echoApp());
  const a = await client.post('/text', { data: Buffer.alloc(0), headers: { 'Content-Encoding': 'gzip' } });
  assert.equal(a.status, 200);
  assert.equal(await a.text(), '');
  const b = await client.post('/text', { data: 'plain', headers: { 'Content-Encoding': 'identity' } });
  assert.equal(await b.text(), 'plain');
});

test('an unknown Content-Encoding is a 415; corrupt or truncated data is a 400', async (t) => {
  const client = await clientFor(t, echoApp());
  const a = await client.post('/text', { data: 'x', headers: { 'Content-Encoding': 'compress' } });
  assert.equal(a.status, 415);
  assert.match(await a.text(), /Unsupported Content-Encoding "compress": the server decodes gzip, x-gzip, deflate, br/);
  const b = await client.post('/text', { data: zlib.gzipSync(Buffer.from(text)), headers: { 'Content-Encoding': 'gzip, br' } });
  assert.equal(b.status, 415);
  assert.match(await b.text(), /several codings/);
  const c = await client.post('/text', { data: Buffer.from('this is not gzip at all'), headers: { 'Content-Encoding': 'gzip' } });
  assert.equal(c.status, 400);
  assert.match(await c.text(), /Can not decode the request body \(Content-Encoding: gzip\)/);
  const gz = zlib.gzipSync(Buffer.from(text));
  const d = await client.post('/json', { data: gz.subarray(0, gz.length - 10), headers: { 'Content-Encoding': 'gzip' } });
  assert.equal(d.status, 400);
  assert.match(await d.text(), /Can not decode the request body/);
  const e = await client.post('/form', { data: Buffer.from('garbage'), headers: { 'Content-Encoding': 'br', 'Content-Type': 'multipart/form-data; boundary=B' } });
  assert.equal(e.status, 400);
});

test('a gzip bomb gets a 413 once the decoded body passes clientMaxSize, having read little of it', async (t) => {
  // One gzip member of 16 MiB of zeros (16 KiB), sent many times: the small
  // bomb is under clientMaxSize on the wire (60 members, 1 GiB inflated), the
  // big one 10 MiB on the wire (640 members, 10 GiB inflated).
  const member = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  const small = Buffer.concat(Array.from({ length: 60 }, () => member));
  const big = Buffer.concat(Array.from({ length: 640 }, () => member));
  assert.ok(small.length < 1024 * 1024);
  const app = new web.Application({ clientMaxSize: 1024 * 1024 });
  const readAt413: number[] = [];
  const record = (r: web.Request) => (e: unknown): never => {
    readAt413.push(r._req.socket.bytesRead);
    throw e;
  };
  app.router.addPost('/read', async (r) => new web.Response({ body: await r.read().catch(record(r)) }));
  app.router.addPost('/post', async (r) => web.jsonResponse([...(await r.post().catch(record(r)))].length));
  const client = await clientFor(t, app);
  for (const bomb of [small, big]) {
    readAt413.length = 0;
    for (const [path, type] of [['/read', 'application/octet-stream'], ['/post', 'multipart/form-data; boundary=B']]) {
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`;
      const raw = await rawRequest(client.server.port, Buffer.concat([Buffer.from(head), bomb]));
      assert.equal(statusOf(raw), 413, `${path}: ${raw.slice(0, 200)}`);
      assert.match(raw, /Maximum request body size 1048576 exceeded/);
    }
    assert.equal(readAt413.length, 2);
    if (bomb === big) for (const n of readAt413) assert.ok(n < bomb.length / 4, `read ${n} bytes of a ${bomb.length}-byte bomb before the 413`);
  }
});
