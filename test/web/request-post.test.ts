// request.post() of multipart/form-data: fields, files in memory and spooled
// to temporary files, and the temporary files removed however the request ends.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Event, sleep } from '../../src/index.js';
import * as web from '../../src/web/index.js';
import { clientFor, openSocket, rawRequest, statusOf } from './helpers.js';
import { multipartBody } from './multipart-helpers.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-post-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('post() gives fields as strings and files as FileFields, small ones in memory, large ones in a temporary file', async (t) => {
  const dir = tempDir(t);
  const app = new web.Application({ clientMaxSize: 0 });
  const seen: { path: string | null; size: number; existedDuring: boolean }[] = [];
  app.router.addPost('/up', async (r) => {
    const form = await r.post({ spoolThreshold: 1000, tmpDir: dir });
    const out: Record<string, unknown> = {};
    for (const [k, v] of form) {
      if (v instanceof web.FileField) {
        seen.push({ path: v.path, size: v.size, existedDuring: v.path !== null && existsSync(v.path) });
        const body = await v.read();
        let streamed = 0;
        for await (const c of v.stream()) streamed += (c as Buffer).length;
        out[k] = { filename: v.filename, contentType: v.contentType, size: v.size, first: body[0], last: body[body.length - 1], streamed, disp: v.headers.get('content-disposition') };
      } else {
        out[k] = typeof v === 'string' ? v : { bytes: v.length };
      }
    }
    return web.jsonResponse(out);
  });
  const client = await clientFor(t, app);
  const fd = new FormData();
  fd.append('title', 'héllo wörld');
  fd.append('small', new Blob([Buffer.alloc(10, 1)], { type: 'image/png' }), 'small.png');
  const big = Buffer.alloc(300_000, 7);
  big[0] = 1;
  big[big.length - 1] = 9;
  fd.append('big', new Blob([big]), 'dir/big.bin');
  const resp = await client.post('/up', { data: fd });
  assert.equal(resp.status, 200);
  const got = await resp.json<Record<string, Record<string, unknown> | string>>();
  assert.equal(got.title, 'héllo wörld');
  assert.deepEqual(got.small, { filename: 'small.png', contentType: 'image/png', size: 10, first: 1, last: 1, streamed: 10, disp: 'form-data; name="small"; filename="small.png"' });
  const b = got.big as Record<string, unknown>;
  assert.equal(b.size, 300_000);
  assert.equal(b.first, 1);
  assert.equal(b.last, 9);
  assert.equal(b.streamed, 300_000);
  assert.equal(b.filename, 'big.bin');
  assert.equal(seen[0]?.path, null);
  assert.ok(seen[1]?.path?.startsWith(dir));
  assert.equal(seen[1]?.existedDuring, true);
  assert.deepEqual(readdirSync(dir), [], 'the temporary file is gone once the request ended');
});

test('post() still reads urlencoded forms, and is empty without a body', async (t) => {
  const app = new web.Application();
  app.router.addPost('/form', async (r) => web.jsonResponse([...(await r.post())]));
  const client = await clientFor(t, app);
  const resp = await client.post('/form', { data: new URLSearchParams([['a', '1'], ['a', '2'], ['b', 'x y']]) });
  assert.deepEqual(await resp.json(), [['a', '1'], ['a', '2'], ['b', 'x y']]);
  const empty = await client.post('/form');
  assert.deepEqual(await empty.json(), []);
});

test('post() returns the same form each call; a binary part without a filename is a Buffer', async (t) => {
  const app = new web.Application();
  app.router.addPost('/up', async (r) => {
    const a = await r.post();
    const b = await r.post();
    const raw = a.get('raw');
    return web.jsonResponse({ same: a === b, raw: Buffer.isBuffer(raw) ? [...raw] : null });
  });
  const client = await clientFor(t, app);
  const body = multipartBody('XyZ', [['Content-Disposition: form-data; name="raw"\r\nContent-Type: application/octet-stream', Buffer.from([0, 255, 1])]]);
  const resp = await client.post('/up', { data: body, headers: { 'Content-Type': 'multipart/form-data; boundary=XyZ' } });
  assert.deepEqual(await resp.json(), { same: true, raw: [0, 255, 1] });
});

test('the whole body of post() is bounded by clientMaxSize (413), spooled files included', async (t) => {
  const dir = tempDir(t);
  const app = new web.Application({ clientMaxSize: 100_000 });
  app.router.addPost('/up', async (r) => {
    await r.post({ spoolThreshold: 1000, tmpDir: dir });
    return new web.Response({ text: 'read' });
  });
  const client = await clientFor(t, app);
  const fd = new FormData();
  fd.append('f', new Blob([Buffer.alloc(500_000)]), 'f.bin');
  // Chunked (a stream), so that no Content-Length answers early.
  const body = Buffer.from(await new Response(fd).arrayBuffer());
  const ct = new Response(fd).headers.get('content-type') ?? '';
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < body.length; i += 16384) yield body.subarray(i, i + 16384);
  }
  const resp = await client.post('/up', { data: chunks(), headers: { 'Content-Type': ct } });
  assert.equal(resp.status, 413);
  assert.match(await resp.text(), /Maximum request body size 100000 exceeded/);
  assert.deepEqual(readdirSync(dir), []);
});

test('temporary files are removed when the handler fails, is cancelled, or the client aborts halfway', async (t) => {
  const dir = tempDir(t);
  const app = new web.Application({ clientMaxSize: 0 });
  const spooled = new Event();
  let outcome: unknown = null;
  const finished = new Event();
  let mode = '';
  app.router.addPost('/up', async (r) => {
    try {
      const form = await r.post({ spoolThreshold: 100, tmpDir: dir });
      spooled.set();
      const f = form.get('f') as web.FileField;
      assert.ok(f.path !== null && existsSync(f.path));
      if (mode === 'error') throw new Error('handler failed');
      if (mode === 'cancel') r.task?.cancel();
      await sleep(10);
      return new web.Response({ text: 'ok' });
    } catch (e) {
      outcome = e;
      throw e;
    } finally {
      finished.set();
    }
  });
  const client = await clientFor(t, app, { errorLog: () => {} });
  const port = client.server.port;
  const fd = new FormData();
  fd.append('f', new Blob([Buffer.alloc(5000, 3)]), 'f.bin');
  for (const m of ['error', 'cancel']) {
    mode = m;
    spooled.clear();
    finished.clear();
    // A cancelled handler's connection is closed without an answer.
    const status = await client.post('/up', { data: fd }).then(async (resp) => (await resp.read(), resp.status), () => 'closed');
    assert.equal(status, m === 'error' ? 500 : 'closed', m);
    await finished.wait();
    await sleep(0);
    assert.deepEqual(readdirSync(dir), [], m);
  }
  // The client goes away in the middle of a spooled file: post() fails with a clear error.
  mode = 'abort';
  finished.clear();
  const sock = await openSocket(port);
  sock.on('error', () => {});
  const head = 'POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n';
  sock.write(head + '--B\r\nContent-Disposition: form-data; name="f"; filename="f.bin"\r\n\r\n' + 'x'.repeat(20_000));
  while (readdirSync(dir).length === 0) await sleep(0.005);
  sock.destroy();
  await finished.wait();
  await sleep(0);
  assert.ok(outcome instanceof web.ConnectionResetError, String(outcome));
  assert.deepEqual(readdirSync(dir), []);
});

test('post() refuses unknown options and bad limits', async (t) => {
  const app = new web.Application();
  app.router.addPost('/up', async (r) => {
    const errors: string[] = [];
    for (const o of [{ spool_threshold: 1 }, { limits: { maxFileSize: 1 } }, { limits: { parts: -1 } }, { tmpDir: '' }]) {
      try {
        await r.post(o);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    return web.jsonResponse(errors);
  });
  const client = await clientFor(t, app);
  const errors = await (await client.post('/up', { data: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).json<string[]>();
  assert.equal(errors.length, 4);
  assert.match(errors[0] ?? '', /unknown option "spool_threshold"; did you mean "spoolThreshold"/);
  assert.match(errors[1] ?? '', /limits: unknown option "maxFileSize"/);
  assert.match(errors[2] ?? '', /limits.parts must be an integer >= 0/);
  assert.match(errors[3] ?? '', /tmpDir must be a directory path/);
});

test('a multipart body without a final boundary is a 400 that says so', async (t) => {
  const app = new web.Application();
  app.router.addPost('/up', async (r) => web.jsonResponse([...(await r.post())]));
  const client = await clientFor(t, app);
  const body = multipartBody('B', [['Content-Disposition: form-data; name="a"', 'x']], false);
  const raw = await rawRequest(client.server.port, Buffer.concat([Buffer.from(`POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
  assert.equal(statusOf(raw), 400, raw);
  assert.match(raw, /Malformed multipart body: Unexpected end of form/);
});
