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
import { multipartBody } from './multipart-helpers.js';

test('multipart() gives each part in order with name, filename, headers; text(), json(), form(), read(), readChunk() and for await', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-mp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = new web.Application();
  app.router.addPost('/up', async (r) => {
    const reader = await r.multipart();
    const out: unknown[] = [];
    for (let part = await reader.next(); part !== null; part = await reader.next()) {
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
    const part = await reader.next();
    assert.ok(part !== null);
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
      const part = await reader.next();
      await part?.read();
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

test('a nested multipart/mixed part is not parsed (busboy does not): it comes as a field with its text', async (t) => {
  const app = new web.Application();
  app.router.addPost('/up', async (r) => {
    const out: unknown[] = [];
    for await (const part of await r.multipart()) out.push([part.name, part.filename, part.contentType, await part.text()]);
    return web.jsonResponse(out);
  });
  const client = await clientFor(t, app);
  const inner = '--I\r\nContent-Disposition: file; filename="a.txt"\r\n\r\nA\r\n--I--';
  const body = multipartBody('B', [['Content-Disposition: form-data; name="files"\r\nContent-Type: multipart/mixed; boundary=I', inner], ['Content-Disposition: form-data; name="after"', 'x']]);
  const resp = await client.post('/up', { data: body, headers: { 'Content-Type': 'multipart/form-data; boundary=B' } });
  assert.deepEqual(await resp.json(), [['files', null, 'multipart/mixed', inner], ['after', null, 'text/plain', 'x']]);
});
