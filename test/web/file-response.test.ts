// web.FileResponse: headers, HEAD, ranges, preconditions, pre-compressed
// siblings, files that are missing, special or change while being sent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { fetchRaw, scratch, serve } from './file-helpers.js';

const CONTENT = Buffer.from(Array.from({ length: 1000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));

/** An app answering /f with FileResponse(path) and POST /f too. */
function fileApp(path: string | (() => string), options?: web.FileResponseOptions): web.Application {
  const app = new web.Application();
  const handler = (): web.FileResponse => new web.FileResponse(typeof path === 'string' ? path : path(), options);
  app.router.addGet('/f', handler);
  app.router.addPost('/f', handler);
  return app;
}

function etagOf(path: string): string {
  const st = statSync(path, { bigint: true });
  return `"${st.mtimeNs.toString(16)}-${st.size.toString(16)}"`;
}

function lastModifiedOf(path: string): string {
  return new Date(Math.floor(statSync(path).mtimeMs / 1000) * 1000).toUTCString();
}

test('a whole file: body, Content-Type, Content-Length, Last-Modified, ETag in aiohttp form, Accept-Ranges', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'page.html');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  const r = await fetchRaw(server.port, '/f');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, CONTENT);
  assert.equal(r.headers['content-type'], 'text/html');
  assert.equal(r.headers['content-length'], '1000');
  assert.equal(r.headers['accept-ranges'], 'bytes');
  assert.equal(r.headers.etag, etagOf(p));
  assert.match(r.headers.etag ?? '', /^"[0-9a-f]+-3e8"$/);
  assert.equal(r.headers['last-modified'], lastModifiedOf(p));
});

test('Content-Type: unknown extension → application/octet-stream; headers option wins; status option', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'blob.zzqq');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  assert.equal((await fetchRaw(server.port, '/f')).headers['content-type'], 'application/octet-stream');
  const server2 = await serve(t, fileApp(p, { headers: { 'Content-Type': 'text/x-mine', 'X-A': 'b', 'Content-Length': '3' }, status: 203 }));
  const r = await fetchRaw(server2.port, '/f');
  assert.equal(r.status, 203);
  assert.equal(r.headers['content-type'], 'text/x-mine');
  assert.equal(r.headers['x-a'], 'b');
  // A Content-Length the caller passed would contradict the file: the file's wins.
  assert.equal(r.headers['content-length'], '1000');
  assert.deepEqual(r.body, CONTENT);
});

test('options are checked: unknown names, chunkSize, path', () => {
  assert.throws(() => new web.FileResponse('/x', { chunk_size: 10 } as never), /chunk_size/);
  assert.throws(() => new web.FileResponse('/x', { chunkSize: 0 }), /chunkSize must be a positive integer/);
  assert.throws(() => new web.FileResponse(''), /path must be a non-empty string/);
  assert.throws(() => new web.FileResponse(42 as never), /path must be a non-empty string/);
});

test('a file larger than chunkSize is streamed in chunks, the body intact', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'big.bin');
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
  writeFileSync(p, big);
  const server = await serve(t, fileApp(p, { chunkSize: 4096 }));
  const r = await fetchRaw(server.port, '/f');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], String(big.length));
  assert.ok(r.body.equals(big));
  const ranged = await fetchRaw(server.port, '/f', { range: 'bytes=1000-250000' });
  assert.equal(ranged.status, 206);
  assert.ok(ranged.body.equals(big.subarray(1000, 250001)));
});

test('HEAD: the headers of GET, no body', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  const r = await fetchRaw(server.port, '/f', {}, 'HEAD');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], '1000');
  assert.equal(r.headers['content-type'], 'text/plain');
  assert.equal(r.body.length, 0);
  const ranged = await fetchRaw(server.port, '/f', { range: 'bytes=0-9' }, 'HEAD');
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers['content-length'], '10');
  assert.equal(ranged.body.length, 0);
});

test('Range: single ranges → 206 with Content-Range', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  const cases: [string, number, number][] = [
    ['bytes=0-9', 0, 9],
    ['bytes=990-', 990, 999],
    ['bytes=-5', 995, 999],
    ['bytes=-5000', 0, 999],
    ['bytes=500-100000', 500, 999],
    ['BYTES = 3 - 4', 3, 4],
    ['bytes=0-5,3-10', 0, 10],
    ['bytes=5-10,0-4', 0, 10],
    ['bytes=0-0,2-2', 0, 2],
    ['bytes=2000-3000,10-19', 10, 19],
  ];
  for (const [range, start, end] of cases) {
    const r = await fetchRaw(server.port, '/f', { range });
    assert.equal(r.status, 206, range);
    assert.equal(r.headers['content-range'], `bytes ${start}-${end}/1000`, range);
    assert.equal(r.headers['content-length'], String(end - start + 1), range);
    assert.deepEqual(r.body, CONTENT.subarray(start, end + 1), range);
  }
});

/** The parts of a multipart/byteranges body. */
function parts(r: { headers: Record<string, unknown>; body: Buffer }): { range: string; type: string; data: string }[] {
  const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(String(r.headers['content-type']));
  assert.ok(m, String(r.headers['content-type']));
  const b = m[1] as string;
  const text = r.body.toString('latin1');
  assert.ok(text.startsWith(`--${b}\r\n`));
  assert.ok(text.endsWith(`\r\n--${b}--\r\n`));
  const out: { range: string; type: string; data: string }[] = [];
  for (const chunk of text.slice(0, -`\r\n--${b}--\r\n`.length).split(new RegExp(`(?:^|\\r\\n)--${b}\\r\\n`)).slice(1)) {
    const [head, data] = chunk.split('\r\n\r\n') as [string, string];
    out.push({ range: /Content-Range: (.*)/.exec(head)?.[1] ?? '', type: /Content-Type: (.*)/.exec(head)?.[1] ?? '', data });
  }
  return out;
}

test('Range: several ranges → multipart/byteranges, sorted, with an exact Content-Length', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  const r = await fetchRaw(server.port, '/f', { range: 'bytes=500-509, 0-4,-3' });
  assert.equal(r.status, 206);
  assert.equal(r.headers['content-length'], String(r.body.length));
  assert.deepEqual(parts(r), [
    { range: 'bytes 0-4/1000', type: 'text/plain', data: CONTENT.toString('latin1', 0, 5) },
    { range: 'bytes 500-509/1000', type: 'text/plain', data: CONTENT.toString('latin1', 500, 510) },
    { range: 'bytes 997-999/1000', type: 'text/plain', data: CONTENT.toString('latin1', 997, 1000) },
  ]);
  const head = await fetchRaw(server.port, '/f', { range: 'bytes=500-509, 0-4' }, 'HEAD');
  assert.equal(head.status, 206);
  assert.match(String(head.headers['content-type']), /^multipart\/byteranges; boundary=/);
  assert.equal(head.body.length, 0);
});

test('Range: unsatisfiable, malformed and reversed → 416 with Content-Range: bytes */size; another unit → 200', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0', 'bytes=abc', 'bytes=5-1', 'bytes=0-1,9-3', 'bytes=', 'bytes=,', 'bytes=--1', 'bytes=1-2-3', 'bytes=0x1-2']) {
    const r = await fetchRaw(server.port, '/f', { range });
    assert.equal(r.status, 416, range);
    assert.equal(r.headers['content-range'], 'bytes */1000', range);
    assert.equal(r.body.length, 0, range);
  }
  for (const range of ['items=0-1', 'none', 'bytes 0-1']) {
    const r = await fetchRaw(server.port, '/f', { range });
    assert.equal(r.status, 200, range);
    assert.equal(r.body.length, 1000, range);
  }
  // Range is for GET (and HEAD): a POST gets the whole file.
  const post = await fetchRaw(server.port, '/f', { range: 'bytes=0-1' }, 'POST');
  assert.equal(post.status, 200);
  assert.equal(post.body.length, 1000);
});

test('Range: 1,000 ranges are ignored (200, the file once); 100 overlapping ones are merged into one part', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  const many = await fetchRaw(server.port, '/f', { range: `bytes=${Array.from({ length: 1000 }, (_, i) => `${i}-${i}`).join(',')}` });
  assert.equal(many.status, 200);
  assert.deepEqual(many.body, CONTENT);
  const same = await fetchRaw(server.port, '/f', { range: `bytes=${Array(100).fill('0-').join(',')}` });
  assert.equal(same.status, 206);
  assert.equal(same.body.length, 1000);
  // Scattered ranges 100 bytes apart: never more than the file plus the framing of 100 parts.
  const spread = await fetchRaw(server.port, '/f', { range: `bytes=${Array.from({ length: 100 }, (_, i) => `${(i * 100) % 1000}-${(i * 100) % 1000}`).join(',')}` });
  assert.equal(spread.status, 206);
  assert.equal(parts(spread).length, 10);
  assert.ok(spread.body.length < 1000 + 100 * 120);
});

test('preconditions, in RFC 9110 §13.2.2 order', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  const etag = etagOf(p);
  const lm = lastModifiedOf(p);
  const past = new Date(Date.parse(lm) - 3600_000).toUTCString();
  const future = new Date(Date.parse(lm) + 3600_000).toUTCString();
  const cases: [string, Record<string, string>, number][] = [
    ['If-None-Match equal', { 'if-none-match': etag }, 304],
    ['If-None-Match weak equal', { 'if-none-match': `W/${etag}` }, 304],
    ['If-None-Match in a list', { 'if-none-match': `"x", ${etag}` }, 304],
    ['If-None-Match *', { 'if-none-match': '*' }, 304],
    ['If-None-Match other', { 'if-none-match': '"other"' }, 200],
    ['If-Modified-Since = Last-Modified', { 'if-modified-since': lm }, 304],
    ['If-Modified-Since later', { 'if-modified-since': future }, 304],
    ['If-Modified-Since earlier', { 'if-modified-since': past }, 200],
    ['If-Modified-Since not a date', { 'if-modified-since': 'yesterday' }, 200],
    ['If-Modified-Since a bare number', { 'if-modified-since': '2030' }, 200],
    ['If-None-Match other wins over If-Modified-Since', { 'if-none-match': '"other"', 'if-modified-since': future }, 200],
    ['If-Match equal', { 'if-match': etag }, 200],
    ['If-Match *', { 'if-match': '*' }, 200],
    ['If-Match other', { 'if-match': '"other"' }, 412],
    ['If-Match weak is never equal', { 'if-match': `W/${etag}` }, 412],
    ['If-Unmodified-Since earlier', { 'if-unmodified-since': past }, 412],
    ['If-Unmodified-Since = Last-Modified', { 'if-unmodified-since': lm }, 200],
    ['If-Match equal wins over If-Unmodified-Since', { 'if-match': etag, 'if-unmodified-since': past }, 200],
    ['If-Match first: 412 before If-None-Match', { 'if-match': '"other"', 'if-none-match': etag }, 412],
    ['If-None-Match and If-Match equal', { 'if-match': etag, 'if-none-match': etag }, 304],
  ];
  for (const [name, headers, status] of cases) {
    const r = await fetchRaw(server.port, '/f', headers);
    assert.equal(r.status, status, name);
    if (status === 304) {
      assert.equal(r.headers.etag, etag, name);
      assert.equal(r.headers['last-modified'], lm, name);
      assert.equal(r.body.length, 0, name);
    }
    if (status === 412) assert.equal(r.body.length, 0, name);
    if (status === 200) assert.equal(r.body.length, 1000, name);
  }
  // Not GET or HEAD: a matching If-None-Match is 412, If-Modified-Since does not apply.
  assert.equal((await fetchRaw(server.port, '/f', { 'if-none-match': etag }, 'POST')).status, 412);
  assert.equal((await fetchRaw(server.port, '/f', { 'if-modified-since': future }, 'POST')).status, 200);
  assert.equal((await fetchRaw(server.port, '/f', { 'if-none-match': etag }, 'HEAD')).status, 304);
});

test('If-Range: a Range is honoured only when the validator still holds', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const server = await serve(t, fileApp(p));
  const etag = etagOf(p);
  const lm = lastModifiedOf(p);
  const cases: [string, number][] = [
    [etag, 206],
    ['"other"', 200],
    [`W/${etag}`, 200],
    [lm, 206],
    [new Date(Date.parse(lm) + 1000).toUTCString(), 200],
    ['not a date', 200],
  ];
  for (const [ifRange, status] of cases) {
    const r = await fetchRaw(server.port, '/f', { range: 'bytes=0-9', 'if-range': ifRange });
    assert.equal(r.status, status, ifRange);
    assert.equal(r.body.length, status === 206 ? 10 : 1000, ifRange);
  }
});

test('a missing file is 404, a folder or a FIFO 403, all with an empty body and nothing logged', async (t) => {
  const dir = scratch(t);
  const errors: unknown[] = [];
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  mkdirSync(join(dir, 'sub'));
  let target = '';
  const server = await serve(t, fileApp(() => target), { errorLog: (_m, e) => errors.push(e) });
  for (const [path, status] of [[join(dir, 'nope.txt'), 404], [join(dir, 'nope', 'x'), 404], [join(dir, 'sub'), 403], [fifo, 403]] as const) {
    target = path;
    const r = await fetchRaw(server.port, '/f');
    assert.equal(r.status, status, path);
    assert.equal(r.body.length, 0, path);
  }
  assert.deepEqual(errors, []);
});

test('an unreadable file is 403', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'secret.txt');
  writeFileSync(p, CONTENT, { mode: 0o000 });
  const server = await serve(t, fileApp(p));
  assert.equal((await fetchRaw(server.port, '/f')).status, 403);
});

test('pre-compressed siblings: .br then .gz when accepted, with Content-Encoding and Vary; never a symlinked one', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'app.js');
  writeFileSync(p, 'plain');
  writeFileSync(`${p}.gz`, 'gzipped');
  writeFileSync(`${p}.br`, 'brotli');
  const only = join(dir, 'only.css');
  writeFileSync(only, 'plain-css');
  writeFileSync(join(dir, 'elsewhere.gz'), 'linked');
  symlinkSync(join(dir, 'elsewhere.gz'), `${only}.gz`);
  let target = p;
  const server = await serve(t, fileApp(() => target));
  const cases: [string | undefined, string, string | undefined][] = [
    [undefined, 'plain', undefined],
    ['gzip', 'gzipped', 'gzip'],
    ['GZIP, deflate', 'gzipped', 'gzip'],
    ['br, gzip', 'brotli', 'br'],
    ['gzip;q=0.5, br;q=0', 'gzipped', 'gzip'],
    ['gzip;q=0', 'plain', undefined],
    ['x-gzip', 'plain', undefined],
    ['*', 'plain', undefined],
    ['identity', 'plain', undefined],
  ];
  for (const [ae, body, encoding] of cases) {
    const r = await fetchRaw(server.port, '/f', ae === undefined ? {} : { 'accept-encoding': ae });
    assert.equal(r.body.toString(), body, String(ae));
    assert.equal(r.headers['content-encoding'], encoding, String(ae));
    assert.equal(r.headers['content-type'], 'text/javascript', String(ae));
    assert.equal(r.headers.vary, encoding === undefined ? undefined : 'Accept-Encoding', String(ae));
  }
  target = only;
  const r = await fetchRaw(server.port, '/f', { 'accept-encoding': 'gzip' });
  assert.equal(r.body.toString(), 'plain-css');
  assert.equal(r.headers['content-encoding'], undefined);
});

test('a handler may prepare() the FileResponse itself, as in aiohttp', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const app = new web.Application();
  app.router.addGet('/f', async (request) => {
    const resp = new web.FileResponse(p);
    await resp.prepare(request);
    assert.equal(resp.prepared, true);
    return resp;
  });
  const server = await serve(t, app);
  const r = await fetchRaw(server.port, '/f');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, CONTENT);
});

/** Open file descriptors of this process (Linux). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

test('a file that shrinks while it is sent: the connection is closed short of Content-Length, never a wrong length', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'shrinks.bin');
  // 64 MiB, sparse: far more than the socket buffers hold while the client does not read.
  writeFileSync(p, '');
  truncateSync(p, 64 * 1024 * 1024);
  const errors: unknown[] = [];
  const server = await serve(t, fileApp(p), { errorLog: (_m, e) => errors.push(e) });
  const fdsBefore = openFds();
  const sock = connect(server.port, '127.0.0.1');
  let head = '';
  let body = 0;
  let length = -1;
  let truncated = false;
  const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
  sock.on('error', () => {});
  sock.on('data', (d: Buffer) => {
    if (length === -1) {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
      body += Buffer.byteLength(head.slice(end + 4), 'latin1');
    } else {
      body += d.length;
    }
    if (!truncated) {
      truncated = true;
      sock.pause();
      truncateSync(p, 1000);
      setTimeout(() => sock.resume(), 50);
    }
  });
  sock.write('GET /f HTTP/1.1\r\nHost: x\r\n\r\n');
  await closed;
  assert.equal(length, 64 * 1024 * 1024);
  assert.ok(body < length, `${body} < ${length}`);
  assert.equal(errors.length, 1);
  assert.match(String((errors[0] as Error).message), /got shorter while it was being sent/);
  // The file was closed.
  for (let i = 0; i < 50 && openFds() > fdsBefore; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(openFds() <= fdsBefore);
});

test('a client that goes away mid-file: nothing logged, the file closed', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'big.bin');
  writeFileSync(p, '');
  truncateSync(p, 64 * 1024 * 1024);
  const errors: unknown[] = [];
  const server = await serve(t, fileApp(p), { errorLog: (_m, e) => errors.push(e) });
  const fdsBefore = openFds();
  const sock = connect(server.port, '127.0.0.1');
  sock.on('error', () => {});
  await new Promise<void>((resolve) => {
    sock.once('data', () => {
      sock.destroy();
      resolve();
    });
    sock.write('GET /f HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  for (let i = 0; i < 100 && openFds() > fdsBefore; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(openFds() <= fdsBefore, `${openFds()} <= ${fdsBefore}`);
  assert.deepEqual(errors, []);
});

test('backpressure: a client that does not read makes the server stop reading the file', async (t) => {
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const dir = scratch(t);
  const p = join(dir, 'big.bin');
  writeFileSync(p, '');
  truncateSync(p, 256 * 1024 * 1024);
  let bytesRead = 0;
  const original = fs.read;
  // Count what the server reads: FileResponse calls fs.read through the ES module binding.
  (fs as { read: unknown }).read = (...args: unknown[]): void => {
    bytesRead += args[2] === undefined ? 0 : Number(args[3]);
    (original as (...a: unknown[]) => void)(...args);
  };
  syncBuiltinESMExports();
  t.after(() => {
    (fs as { read: unknown }).read = original;
    syncBuiltinESMExports();
  });
  const server = await serve(t, fileApp(p, { chunkSize: 64 * 1024 }));
  const sock = connect(server.port, '127.0.0.1');
  sock.on('error', () => {});
  t.after(() => sock.destroy());
  await new Promise<void>((resolve) => {
    sock.once('data', () => {
      sock.pause();
      resolve();
    });
    sock.write('GET /f HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  // Give the server time to run ahead if it were going to.
  let last = -1;
  for (let i = 0; i < 40 && bytesRead !== last; i++) {
    last = bytesRead;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(bytesRead > 0);
  // Kernel socket buffers on loopback hold a few MiB; the file is 256 MiB.
  assert.ok(bytesRead < 32 * 1024 * 1024, `read ${bytesRead} bytes of 256 MiB for a client that reads nothing`);
});

test('the access log gets one line per file, with its status and the bytes sent', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const lines: string[] = [];
  const server = await serve(t, fileApp(p), { accessLog: (l) => lines.push(l), accessLogFormat: '%r %s %b' });
  await fetchRaw(server.port, '/f');
  await fetchRaw(server.port, '/f', { range: 'bytes=0-9' });
  await fetchRaw(server.port, '/f', { 'if-none-match': etagOf(p) });
  for (let i = 0; i < 50 && lines.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(lines, ['GET /f HTTP/1.1 200 1000', 'GET /f HTTP/1.1 206 10', 'GET /f HTTP/1.1 304 0']);
});

test('a file that shrinks between its stat and its read (one chunk): 500, the error logged, never a wrong length', async (t) => {
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const dir = scratch(t);
  const p = join(dir, 'a.txt');
  writeFileSync(p, CONTENT);
  const original = fs.read;
  // Truncate the file just before the server's first read of it.
  (fs as { read: unknown }).read = (...args: unknown[]): void => {
    truncateSync(p, 0);
    (original as (...a: unknown[]) => void)(...args);
  };
  syncBuiltinESMExports();
  t.after(() => {
    (fs as { read: unknown }).read = original;
    syncBuiltinESMExports();
  });
  const errors: unknown[] = [];
  const server = await serve(t, fileApp(p), { errorLog: (_m, e) => errors.push(e) });
  const r = await fetchRaw(server.port, '/f');
  assert.equal(r.status, 500);
  assert.equal(r.headers['content-length'], String(r.body.length));
  assert.equal(errors.length, 1);
  assert.match(String((errors[0] as Error).message), /got shorter while it was being sent/);
});

test('compression: compressionMiddleware leaves a FileResponse as it is (length and ranges of the file); enableCompression() on one is refused', async (t) => {
  const dir = scratch(t);
  const p = join(dir, 'data.json');
  const body = Buffer.from(JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ i, name: `item ${i}` })) }));
  writeFileSync(p, body);
  const app = new web.Application({ middlewares: [web.compressionMiddleware()] });
  app.router.addGet('/f', () => new web.FileResponse(p));
  const server = await serve(t, app);
  const r = await fetchRaw(server.port, '/f', { 'accept-encoding': 'gzip, br' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-encoding'], undefined);
  assert.equal(r.headers['content-length'], String(body.length));
  assert.deepEqual(r.body, body);
  assert.throws(() => new web.FileResponse(p).enableCompression(), /pre-compressed/);
});

test('chunk buffers reused across responses never mix bytes: concurrent large files, some clients gone mid-file, every body intact', async (t) => {
  const dir = scratch(t);
  const files = ['a', 'b', 'c'].map((name, k) => {
    // 600 KiB + k: three chunks of the default 256 KiB, the last one partial; each file's bytes differ.
    const buf = Buffer.alloc(600 * 1024 + k);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * (k + 3) + k) & 0xff;
    const p = join(dir, name);
    writeFileSync(p, buf);
    return { name, buf };
  });
  const app = new web.Application();
  app.router.addGet('/{name}', (req) => new web.FileResponse(join(dir, req.matchInfo['name'])));
  const server = await serve(t, app);
  const quitter = (): Promise<void> => new Promise((resolve) => {
    const s = connect(server.port, '127.0.0.1', () => s.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.once('data', () => { s.destroy(); resolve(); });
    s.on('error', () => resolve());
  });
  for (let round = 0; round < 3; round++) {
    const got = await Promise.all([...files.flatMap((f) => [fetchRaw(server.port, `/${f.name}`), fetchRaw(server.port, `/${f.name}`)]), quitter()]);
    for (let i = 0; i < files.length * 2; i++) {
      const r = got[i] as Awaited<ReturnType<typeof fetchRaw>>;
      const f = files[Math.floor(i / 2)] as { buf: Buffer };
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(f.buf), `round ${round}, response ${i}: the body differs from the file`);
    }
  }
});
