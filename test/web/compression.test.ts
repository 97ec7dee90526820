// Response compression (issue 12): negotiation by Accept-Encoding, the
// exclusions, Vary, whole and streamed bodies, and a client that leaves
// mid-stream. Raw bytes are read with undici's request(), which does not
// decompress, and decompressed here.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import * as zlib from 'node:zlib';
import { request as undiciRequest } from 'undici';
import { HAS_ZSTD } from '../../src/web/compression/codings.js';
import { pickCoding } from '../../src/web/compression/negotiate.js';
import * as web from '../../src/web/index.js';
import { clientFor } from './helpers.js';

const TEXT = 'hello compression '.repeat(200); // 3,600 bytes
const BIG = JSON.stringify(Array.from({ length: 8000 }, (_, i) => ({ id: i, name: `item ${i}` }))); // ~200 KiB: the threadpool path

type Raw = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

async function get(t: TestContext, app: web.Application, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  const client = await clientFor(t, app, { accessLog: null });
  const r = await undiciRequest(client.makeUrl(path), { method: method as 'GET', headers });
  return { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) };
}

function decode(coding: string | string[] | undefined, body: Buffer): string {
  switch (coding) {
    case 'gzip': return zlib.gunzipSync(body).toString();
    case 'deflate': return zlib.inflateSync(body).toString();
    case 'br': return zlib.brotliDecompressSync(body).toString();
    case 'zstd': return (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(body).toString();
    case undefined: return body.toString();
    default: throw new Error(`unexpected coding ${String(coding)}`);
  }
}

function appWith(handler: web.Handler, options?: web.CompressionOptions): web.Application {
  const app = new web.Application({ middlewares: [web.compressionMiddleware(options)] });
  app.router.addGet('/', handler);
  return app;
}

const textHandler = (): web.Response => new web.Response({ text: TEXT });

for (const coding of ['gzip', 'deflate', 'br', ...(HAS_ZSTD ? ['zstd'] : [])]) {
  test(`middleware: Accept-Encoding ${coding} gets a ${coding} body that decodes to the original`, async (t) => {
    const r = await get(t, appWith(textHandler), '/', { 'Accept-Encoding': coding });
    assert.equal(r.headers['content-encoding'], coding);
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.ok(r.body.length < TEXT.length, 'smaller than the original');
    assert.equal(Number(r.headers['content-length']), r.body.length, 'Content-Length is the compressed length');
    assert.equal(decode(coding, r.body), TEXT);
  });
}

test('negotiation: q-values pick the coding, ties go to the server order, q=0 refuses, * covers the rest', () => {
  const offered = ['br', 'gzip', 'deflate'] as const;
  assert.equal(pickCoding('gzip;q=0.5, br;q=0.9', offered), 'br');
  assert.equal(pickCoding('br;q=0.1, gzip', offered), 'gzip');
  assert.equal(pickCoding('gzip, deflate, br', offered), 'br');
  assert.equal(pickCoding('deflate, gzip', offered), 'gzip');
  assert.equal(pickCoding('*', offered), 'br');
  assert.equal(pickCoding('br;q=0, *;q=0.5', offered), 'gzip');
  assert.equal(pickCoding('gzip;q=0', offered), null);
  assert.equal(pickCoding('GZIP;Q=0.3', offered), 'gzip');
  assert.equal(pickCoding('x-gzip', offered), 'gzip');
  assert.equal(pickCoding('identity', offered), null);
  assert.equal(pickCoding('gzip;q=abc', offered), null);
  assert.equal(pickCoding('', offered), null);
  assert.equal(pickCoding(undefined, offered), null);
});

test('middleware: the client weighing gzip over br gets gzip', async (t) => {
  const r = await get(t, appWith(textHandler), '/', { 'Accept-Encoding': 'br;q=0.2, gzip;q=0.8' });
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(decode('gzip', r.body), TEXT);
});

for (const [name, ae] of [['q=0 on the only coding offered', 'gzip;q=0'], ['identity only', 'identity'], ['no Accept-Encoding', undefined]] as const) {
  test(`middleware: ${name} gets the body as it is, with Vary`, async (t) => {
    const r = await get(t, appWith(textHandler), '/', ae === undefined ? {} : { 'Accept-Encoding': ae });
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.headers.vary, 'Accept-Encoding', 'the answer still depended on the header');
    assert.equal(r.body.toString(), TEXT);
  });
}

const exclusions: [string, web.Handler, string?][] = [
  ['an image type', () => new web.Response({ body: Buffer.from(TEXT), contentType: 'image/png' })],
  ['a zip', () => new web.Response({ body: Buffer.from(TEXT), contentType: 'application/zip' })],
  ['application/octet-stream', () => new web.Response({ body: Buffer.from(TEXT) })],
  ['a body under the threshold', () => new web.Response({ text: 'short' })],
  ['Cache-Control: no-transform', () => new web.Response({ text: TEXT, headers: { 'Cache-Control': 'public, no-transform' } })],
  ['a Content-Encoding already set', () => new web.Response({ body: zlib.gzipSync(TEXT), contentType: 'text/plain', headers: { 'Content-Encoding': 'gzip' } })],
  ['a 206 with Content-Range', () => new web.Response({ status: 206, text: TEXT, headers: { 'Content-Range': `bytes 0-${TEXT.length - 1}/9999` } })],
  ['a 204', () => new web.Response({ status: 204 })],
  ['a 304', () => new web.Response({ status: 304 })],
  ['HEAD', () => new web.Response({ text: TEXT }), 'HEAD'],
];
for (const [name, handler, method] of exclusions) {
  test(`middleware: ${name} is not compressed`, async (t) => {
    const app = new web.Application({ middlewares: [web.compressionMiddleware()] });
    app.router.addRoute(method ?? 'GET', '/', handler);
    const r = await get(t, app, '/', { 'Accept-Encoding': 'gzip, br' }, method);
    const sent = r.headers['content-encoding'];
    assert.ok(sent === undefined || (name === 'a Content-Encoding already set' && sent === 'gzip'), `Content-Encoding ${String(sent)}`);
    if (name === 'a Content-Encoding already set') assert.equal(zlib.gunzipSync(r.body).toString(), TEXT, 'compressed once, not twice');
  });
}

// aiohttp compresses an HTTPException it was asked to (there it is a
// Response); with the middleware, the answer an HTTPException becomes follows
// the rules of any response: type, threshold, Accept-Encoding, Vary.
const raised: [string, (app: web.Application) => void, string, number, string | undefined][] = [
  ['raised by the handler', (app) => app.router.addGet('/', () => {
    throw new web.HTTPNotFound({ text: TEXT });
  }), '/', 404, 'gzip'],
  ['returned by the handler', (app) => app.router.addGet('/', () => new web.HTTPForbidden({ text: TEXT })), '/', 403, 'gzip'],
  ['raised with a large body, compressed off the loop', (app) => app.router.addGet('/', () => {
    throw new web.HTTPBadRequest({ text: BIG, contentType: 'application/json' });
  }), '/', 400, 'gzip'],
  ['with a body under the threshold', (app) => app.router.addGet('/', () => {
    throw new web.HTTPNotFound();
  }), '/', 404, undefined],
  ['with a type that is not compressed', (app) => app.router.addGet('/', () => {
    throw new web.HTTPConflict({ text: TEXT, contentType: 'image/png' });
  }), '/', 409, undefined],
];
for (const [name, setup, path, status, coding] of raised) {
  test(`middleware: an HTTPException ${name} is ${coding === undefined ? 'not ' : ''}compressed`, async (t) => {
    const app = new web.Application({ middlewares: [web.compressionMiddleware()] });
    setup(app);
    const r = await get(t, app, path, { 'Accept-Encoding': 'gzip' });
    assert.equal(r.status, status);
    assert.equal(r.headers['content-encoding'], coding);
    const text = decode(coding, r.body);
    assert.ok(text === TEXT || text === BIG || /^\d{3}: /.test(text), text.slice(0, 100));
    if (coding !== undefined) {
      assert.equal(r.headers.vary, 'Accept-Encoding');
      assert.equal(Number(r.headers['content-length']), r.body.length, 'Content-Length is the compressed size');
    }
  });
}

test('middleware: the router\'s own 404 and 405 follow the same rules (threshold 0 here)', async (t) => {
  const app = new web.Application({ middlewares: [web.compressionMiddleware({ threshold: 0 })] });
  app.router.addGet('/only-get', () => new web.Response({ text: 'x' }));
  const missing = await get(t, app, '/missing', { 'Accept-Encoding': 'gzip' });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['content-encoding'], 'gzip');
  assert.equal(decode('gzip', missing.body), '404: Not Found');
  const wrong = await get(t, app, '/only-get', { 'Accept-Encoding': 'gzip' }, 'POST');
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers['content-encoding'], 'gzip');
  assert.match(decode('gzip', wrong.body), /^405: Method Not Allowed/);
});

test('Vary: Accept-Encoding is appended to an existing Vary, once, and never to Vary: *', async (t) => {
  const cases: [string, string][] = [['Origin', 'Origin, Accept-Encoding'], ['origin, accept-encoding', 'origin, accept-encoding'], ['*', '*']];
  for (const [given, expected] of cases) {
    const r = await get(t, appWith(() => new web.Response({ text: TEXT, headers: { Vary: given } })), '/', { 'Accept-Encoding': 'gzip' });
    assert.equal(r.headers.vary, expected, given);
    assert.equal(r.headers['content-encoding'], 'gzip');
  }
});

test('enableCompression(): negotiates without the middleware, any type (the caller asked)', async (t) => {
  const app = new web.Application();
  app.router.addGet('/', () => {
    const resp = new web.Response({ body: Buffer.from(TEXT), contentType: 'application/x-custom' });
    resp.enableCompression();
    return resp;
  });
  const r = await get(t, app, '/', { 'Accept-Encoding': 'deflate' });
  assert.equal(r.headers['content-encoding'], 'deflate');
  assert.equal(decode('deflate', r.body), TEXT);
});

test('enableCompression(force): that coding whatever the client sent; identity sends as is; unknown is a TypeError', async (t) => {
  const app = new web.Application();
  app.router.addGet('/force', () => {
    const resp = new web.Response({ text: TEXT });
    resp.enableCompression('gzip');
    return resp;
  });
  app.router.addGet('/identity', () => {
    const resp = new web.Response({ text: TEXT });
    resp.enableCompression('identity');
    return resp;
  });
  const client = await clientFor(t, app, { accessLog: null });
  const forced = await undiciRequest(client.makeUrl('/force'));
  assert.equal(forced.headers['content-encoding'], 'gzip');
  assert.equal(decode('gzip', Buffer.from(await forced.body.arrayBuffer())), TEXT);
  const plain = await undiciRequest(client.makeUrl('/identity'), { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(await plain.body.text(), TEXT);
  assert.throws(() => new web.Response().enableCompression('lzma' as web.ContentCoding), /force must be one of .*got string "lzma"/);
});

test('a large body is compressed off the loop and arrives whole, with the access log seeing the compressed size', async (t) => {
  const lines: string[] = [];
  const app = appWith(() => web.jsonResponse(JSON.parse(BIG)));
  const client = await clientFor(t, app, { accessLog: (line: string) => lines.push(line), accessLogFormat: '%b' });
  const r = await undiciRequest(client.makeUrl('/'), { headers: { 'Accept-Encoding': 'gzip' } });
  const body = Buffer.from(await r.body.arrayBuffer());
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(decode('gzip', body), BIG);
  assert.equal(Number(r.headers['content-length']), body.length);
  assert.deepEqual(lines, [String(body.length)]);
});

async function* chunks(): AsyncGenerator<string> {
  for (let i = 0; i < 50; i++) yield `chunk ${i} `.repeat(100);
}
const STREAMED = Array.from({ length: 50 }, (_, i) => `chunk ${i} `.repeat(100)).join('');

test('StreamResponse.enableCompression(): written pieces go through the compressor, chunked, no Content-Length', async (t) => {
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Content-Type': 'text/plain' } });
    resp.enableCompression();
    await resp.prepare(request);
    for await (const c of chunks()) await resp.write(c);
    await resp.writeEof();
    return resp;
  });
  const r = await get(t, app, '/', { 'Accept-Encoding': 'br' });
  assert.equal(r.headers['content-encoding'], 'br');
  assert.equal(r.headers['content-length'], undefined);
  assert.equal(decode('br', r.body), STREAMED);
});

test('middleware: a StreamResponse the handler prepares itself is compressed; one it does not end is ended through the compressor', async (t) => {
  const app = appWith(async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Content-Type': 'application/json', 'Content-Length': String(STREAMED.length) } });
    await resp.prepare(request);
    for await (const c of chunks()) await resp.write(c);
    return resp; // no writeEof(): the server ends it
  });
  const r = await get(t, app, '/', { 'Accept-Encoding': 'gzip' });
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(r.headers['content-length'], undefined, 'the declared length was the uncompressed one');
  assert.equal(decode('gzip', r.body), STREAMED);
});

test('a client leaving mid-stream: write() fails with ConnectionResetError, the compressor is destroyed, no listener is left', async (t) => {
  // Record each gzip stream as it first compresses something.
  const made = new Set<zlib.Gzip>();
  const proto = zlib.Gzip.prototype as unknown as { _transform: (...a: unknown[]) => unknown };
  const inherited = proto._transform;
  proto._transform = function (this: zlib.Gzip, ...a: unknown[]) {
    made.add(this);
    return inherited.apply(this, a);
  };
  t.after(() => {
    delete (proto as { _transform?: unknown })._transform;
  });
  let resolveOutcome!: (v: unknown) => void;
  const outcome = new Promise((r) => (resolveOutcome = r));
  const app = new web.Application();
  app.router.addGet('/', async (request) => {
    const resp = new web.StreamResponse({ headers: { 'Content-Type': 'text/plain' } });
    resp.enableCompression();
    await resp.prepare(request);
    try {
      // Incompressible data, so the socket fills and write() has to wait.
      for (;;) {
        await resp.write(Buffer.from(Array.from({ length: 65536 }, () => Math.floor(Math.random() * 256))));
      }
    } catch (e) {
      resolveOutcome({ error: e, drain: request._res.listenerCount('drain'), close: request._res.listenerCount('close') });
      throw e;
    }
  });
  const client = await clientFor(t, app, { accessLog: null });
  const ac = new AbortController();
  const r = await undiciRequest(client.makeUrl('/'), { headers: { 'Accept-Encoding': 'gzip' }, signal: ac.signal });
  assert.equal(r.headers['content-encoding'], 'gzip');
  for await (const _ of r.body) {
    ac.abort();
    break;
  }
  const { error, drain } = (await outcome) as { error: unknown; drain: number };
  assert.ok(error instanceof web.ConnectionResetError, String(error));
  assert.equal(made.size, 1);
  const z = [...made][0] as zlib.Gzip;
  assert.equal(z.destroyed, true, 'the zlib stream is destroyed');
  assert.equal(z.listenerCount('drain'), 0, 'no drain listener left on the compressor');
  assert.equal(drain, 0, 'no drain listener left on the response');
});

test('compressionMiddleware(): options are checked', () => {
  assert.throws(() => web.compressionMiddleware({ treshold: 1 } as unknown as web.CompressionOptions), /treshold/);
  assert.throws(() => web.compressionMiddleware({ threshold: -1 }), /threshold must be an integer >= 0/);
  assert.throws(() => web.compressionMiddleware({ encodings: ['gzip', 'lzw' as 'gzip'] }), /'lzw'|"lzw"/);
  assert.throws(() => web.compressionMiddleware({ encodings: [] }), /non-empty/);
});

test('middleware: encodings limits what is offered', async (t) => {
  const r = await get(t, appWith(textHandler, { encodings: ['gzip'] }), '/', { 'Accept-Encoding': 'br, gzip;q=0.1' });
  assert.equal(r.headers['content-encoding'], 'gzip');
});
