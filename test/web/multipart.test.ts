// request.multipart(): aiohttp's MultipartReader on busboy, read part by part
// as the handler asks, with backpressure.
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { Event } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { clientFor, openSocket } from './helpers.js';
import { leaf, multipartBody } from './multipart-helpers.js';

test('multipart() gives each part in order with name, filename, headers; text(), json(), form(), read(), readChunk() and for await', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-mp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = new web.Application();
  app.router.addPost('/up', async (r) => {
    const reader = await r.multipart();
    const out: unknown[] = [];
    for (let part = await reader.next(); part !== null; part = await reader.next()) {
      assert.ok(part instanceof web.BodyPartReader);
      if (part.name === 'text') out.push(['text', await part.text()]);
      else if (part.name === 'json') out.push(['json', await part.json()]);
      else if (part.name === 'form') out.push(['form', [...(await part.form())]]);
      else if (part.name === 'chunks') {
        const sizes: number[] = [];
        for (let c = await part.readChunk(1000); c.length > 0; c = await part.readChunk(1000)) sizes.push(c.length);
        out.push(['chunks', part.filename, sizes.length, sizes[0], part.atEof()]);
      } else if (part.name === 'file') {
        const dest = join(dir, 'out.bin');
        await pipeline(part, createWriteStream(dest));
        out.push(['file', part.filename, part.contentType, part.headers.get('content-type'), readFileSync(dest).length]);
      } else {
        out.push(['skipped', part.name]);
      }
    }
    out.push(await reader.next());
    return web.jsonResponse(out);
  });
  const client = await clientFor(t, app);
  const fd = new FormData();
  fd.append('text', 'hé');
  fd.append('skip', new Blob([Buffer.alloc(100_000)]), 'skip.bin');
  fd.append('json', new Blob(['{"a":[1,2]}'], { type: 'application/json' }), 'j.json');
  fd.append('form', 'a=1&b=2');
  fd.append('chunks', new Blob([Buffer.alloc(5500, 1)]), 'c.bin');
  fd.append('file', new Blob([Buffer.alloc(1_000_000, 2)], { type: 'image/jpeg' }), 'photo.jpg');
  const resp = await client.post('/up', { data: fd });
  assert.equal(resp.status, 200);
  assert.deepEqual(await resp.json(), [
    ['text', 'hé'],
    ['skipped', 'skip'],
    ['json', { a: [1, 2] }],
    ['form', [['a', '1'], ['b', '2']]],
    ['chunks', 'c.bin', 6, 1000, true],
    ['file', 'photo.jpg', 'image/jpeg', 'image/jpeg', 1_000_000],
    null,
  ]);
});

test('multipart() reads the body only as fast as the handler consumes it', async (t) => {
  const app = new web.Application();
  const go = new Event();
  const firstChunk = new Event();
  let bytesReadWhileWaiting = -1;
  let total = 0;
  let req: web.Request | undefined;
  app.router.addPost('/up', async (r) => {
    req = r;
    const reader = await r.multipart();
    const part = leaf(await reader.next());
    total += (await part.readChunk()).length;
    firstChunk.set();
    await go.wait();
    bytesReadWhileWaiting = r._req.socket.bytesRead;
    for await (const c of part) total += c.length;
    assert.equal(await reader.next(), null);
    return new web.Response({ text: String(total) });
  });
  const client = await clientFor(t, app);
  const size = 64 * 1024 * 1024;
  const sock: Socket = await openSocket(client.server.port);
  sock.on('error', () => {});
  const head = '--B\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\n';
  const tail = '\r\n--B--\r\n';
  sock.write(`POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${head.length + size + tail.length}\r\nConnection: close\r\n\r\n${head}`);
  let answer = '';
  sock.on('data', (d: Buffer) => {
    answer += d.toString();
  });
  const closed = new Promise((resolve) => sock.on('close', resolve));
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  let sent = 0;
  // Write until the socket pushes back: the server stopped reading.
  for (let more = true; more && sent < size;) {
    more = sock.write(chunk);
    sent += chunk.length;
  }
  await firstChunk.wait();
  await new Promise((resolve) => setTimeout(resolve, 200));
  go.set();
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(bytesReadWhileWaiting > 0 && bytesReadWhileWaiting < 16 * 1024 * 1024, `the server read ${bytesReadWhileWaiting} bytes of ${size} while the handler waited`);
  // Now the handler reads on: the rest goes through.
  for (;;) {
    if (sent >= size) break;
    const n = Math.min(chunk.length, size - sent);
    if (!sock.write(chunk.subarray(0, n))) await new Promise((resolve) => sock.once('drain', resolve));
    sent += n;
  }
  sock.write(tail);
  await closed;
  assert.match(answer, new RegExp(`\\r\\n\\r\\n${size}$`));
  assert.ok(req !== undefined);
});

test('multipart() on a body that is not multipart/form-data is a 415', async (t) => {
  const app = new web.Application();
  app.router.addPost('/up', async (r) => {
    await r.multipart();
    return new web.Response({ text: 'no' });
  });
  const client = await clientFor(t, app);
  const resp = await client.post('/up', { data: '{}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(resp.status, 415);
  assert.match(await resp.text(), /reads multipart\/form-data bodies, got a body of type application\/json/);
});

test('the client going away in the middle of a part: part.read() fails with ConnectionResetError', async (t) => {
  const app = new web.Application();
  const done = new Event();
  let error: unknown = null;
  app.router.addPost('/up', async (r) => {
    try {
      const reader = await r.multipart();
      await leaf(await reader.next()).read();
    } catch (e) {
      error = e;
    } finally {
      done.set();
    }
    return new web.Response({ text: 'x' });
  });
  const client = await clientFor(t, app);
  const sock = await openSocket(client.server.port);
  sock.on('error', () => {});
  const body = multipartBody('B', [['Content-Disposition: form-data; name="f"; filename="a"', 'x'.repeat(50_000)]]);
  sock.write(`POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${body.length + 1000}\r\n\r\n`);
  sock.write(body.subarray(0, 30_000), () => setTimeout(() => sock.destroy(), 50));
  await done.wait();
  assert.ok(error instanceof web.ConnectionResetError, String(error));
});

// Nested multipart, as aiohttp's reader: a part whose Content-Type is
// multipart/* comes from next() as a MultipartReader over the part's bytes,
// its parts parsed by a busboy of its own (RFC 2388's multi-file form: inner
// parts with `Content-Disposition: file`, or none).
test('a nested multipart/mixed part is a MultipartReader of its own, with the part headers as sent; the outer parts go on after it', async (t) => {
  const app = new web.Application();
  app.router.addPost('/up', async (r) => {
    const out: unknown[] = [];
    for await (const part of await r.multipart()) {
      if (part instanceof web.MultipartReader) {
        const inner: unknown[] = [];
        for await (const p of part) inner.push([leaf(p).name, leaf(p).filename, leaf(p).contentType, leaf(p).headers.get('x-note') ?? null, (await leaf(p).read()).length]);
        out.push(['nested', part.headers.get('content-type'), part.headers.get('content-disposition'), inner]);
      } else {
        out.push([part.name, part.headers.get('x-extra') ?? null, await part.text()]);
      }
    }
    return web.jsonResponse(out);
  });
  const client = await clientFor(t, app);
  const inner = multipartBody('I', [
    ['Content-Disposition: file; filename="a.txt"\r\nContent-Type: text/plain\r\nX-Note: one', 'A'.repeat(10)],
    ['Content-Type: image/png', Buffer.alloc(200_000, 0xff)],
    ['Content-Disposition: attachment; filename="c.bin"', Buffer.from([0, 0xc3, 0x28, 0xff])],
  ]);
  const body = multipartBody('B', [
    ['Content-Disposition: form-data; name="before"\r\nX-Extra: kept', 'b'],
    ['Content-Disposition: form-data; name="files"\r\nContent-Type: multipart/mixed; boundary=I', inner],
    ['Content-Disposition: form-data; name="after"', 'x'],
  ]);
  const resp = await client.post('/up', { data: body, headers: { 'Content-Type': 'multipart/form-data; boundary=B' } });
  assert.equal(resp.status, 200);
  assert.deepEqual(await resp.json(), [
    ['before', 'kept', 'b'],
    ['nested', 'multipart/mixed; boundary=I', 'form-data; name="files"', [
      [null, 'a.txt', 'text/plain', 'one', 10],
      [null, null, 'image/png', null, 200_000],
      [null, 'c.bin', 'text/plain', null, 4],
    ]],
    ['after', null, 'x'],
  ]);
});

test('a nested reader left unread is skipped by the outer next(); nesting two deep works', async (t) => {
  const app = new web.Application();
  app.router.addPost('/up', async (r) => {
    const out: unknown[] = [];
    const reader = await r.multipart();
    const first = await reader.next();
    assert.ok(first instanceof web.MultipartReader);
    // Skipped whole: the outer reader reads past it.
    const second = await reader.next();
    assert.ok(second instanceof web.MultipartReader);
    const deep = await second.next();
    assert.ok(deep instanceof web.MultipartReader);
    out.push(await leaf(await deep.next()).text(), await deep.next(), await second.next());
    out.push(await leaf(await reader.next()).text(), await reader.next());
    return web.jsonResponse(out);
  });
  const client = await clientFor(t, app);
  const skipped = multipartBody('S', [['Content-Type: text/plain', 'skip me'.repeat(10_000)]]);
  const level2 = multipartBody('D', [['Content-Type: text/plain', 'deep']]);
  const level1 = multipartBody('M', [['Content-Type: multipart/mixed; boundary=D', level2]]);
  const body = multipartBody('B', [
    ['Content-Disposition: form-data; name="a"\r\nContent-Type: multipart/mixed; boundary=S', skipped],
    ['Content-Disposition: form-data; name="b"\r\nContent-Type: multipart/mixed; boundary=M', level1],
    ['Content-Disposition: form-data; name="c"', 'last'],
  ]);
  const resp = await client.post('/up', { data: body, headers: { 'Content-Type': 'multipart/form-data; boundary=B' } });
  assert.deepEqual(await resp.json(), ['deep', null, null, 'last', null]);
});

test('a part without a filename keeps its bytes (read(), post()), and text() decodes with its charset', async (t) => {
  const app = new web.Application();
  const bytes = Buffer.from([0, 0xff, 0xc3, 0x28, 0xe9, 0x80]);
  app.router.addPost('/mp', async (r) => {
    const out: unknown[] = [];
    for await (const part of await r.multipart()) {
      const p = leaf(part);
      out.push(p.name === 'latin' ? await p.text() : (await p.read()).toString('hex'));
    }
    return web.jsonResponse(out);
  });
  app.router.addPost('/post', async (r) => {
    const form = await r.post();
    const bin = form.get('bin');
    return web.jsonResponse([Buffer.isBuffer(bin) ? bin.toString('hex') : typeof bin, form.get('latin')]);
  });
  const client = await clientFor(t, app);
  const body = multipartBody('B', [
    ['Content-Disposition: form-data; name="bin"\r\nContent-Type: image/png', bytes],
    ['Content-Disposition: form-data; name="latin"\r\nContent-Type: text/plain; charset=iso-8859-1', Buffer.from([0x63, 0x61, 0x66, 0xe9])],
  ]);
  const headers = { 'Content-Type': 'multipart/form-data; boundary=B' };
  assert.deepEqual(await (await client.post('/mp', { data: body, headers })).json(), [bytes.toString('hex'), 'café']);
  assert.deepEqual(await (await client.post('/post', { data: body, headers })).json(), [bytes.toString('hex'), 'café']);
});
