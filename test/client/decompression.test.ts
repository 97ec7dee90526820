// Content-Encoding against hostile or sloppy servers: an empty body labelled
// gzip, raw deflate sent as `deflate`, corrupt and truncated streams. Each read
// settles (empty body, the inflated bytes, or ClientPayloadError): never hangs.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { ClientPayloadError, TCPConnector, TotalTimeoutError } from '../../src/client/index.js';
import { CancelledError, sleep } from '../../src/index.js';
import { serve, serveRaw, session } from './helpers.js';

// A hang is the bug: fail the test instead of waiting forever.
const T = { timeout: 10_000 };
const TEXT = 'compressed body '.repeat(500);
const ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'br'] as const;

/** A raw HTTP/1.1 answer to every request on the connection. */
function rawAnswer(head: string, body: Buffer = Buffer.alloc(0)): (socket: net.Socket) => void {
  return (socket) => socket.on('data', () => socket.write(Buffer.concat([Buffer.from(head), body])));
}

for (const enc of ENCODINGS) {
  const cases: [string, string, string][] = [
    ['HEAD', 'HEAD', `HTTP/1.1 200 OK\r\nContent-Encoding: ${enc}\r\nContent-Length: 20\r\n\r\n`],
    ['204', 'GET', `HTTP/1.1 204 No Content\r\nContent-Encoding: ${enc}\r\n\r\n`],
    ['304', 'GET', `HTTP/1.1 304 Not Modified\r\nContent-Encoding: ${enc}\r\n\r\n`],
    ['Content-Length: 0', 'GET', `HTTP/1.1 200 OK\r\nContent-Encoding: ${enc}\r\nContent-Length: 0\r\n\r\n`],
    ['an empty chunked body', 'GET', `HTTP/1.1 200 OK\r\nContent-Encoding: ${enc}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ];
  for (const [name, method, head] of cases) {
    test(`Content-Encoding: ${enc} with no body (${name}) reads as empty`, T, async (t) => {
      const { url } = await serveRaw(t, rawAnswer(head));
      const s = session(t, { timeout: { total: 5 } });
      const resp = await s.request(method, url);
      assert.equal((await resp.read()).length, 0);
      assert.equal(resp.closed, true);
      // The connection is still good: a second exchange on it works.
      assert.equal(await (await s.request(method, url)).text(), '');
    });
  }
}

test('deflate sent as raw deflate (no zlib header) is inflated, as aiohttp and browsers do', T, async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.setHeader('content-encoding', 'deflate');
    res.end(deflateRawSync(TEXT));
  });
  const s = session(t);
  assert.equal(await (await s.get(url)).text(), TEXT);
});

test('deflate with a zlib header still inflates; a one-byte first chunk is enough to tell', T, async (t) => {
  const zlibBody = deflateSync(TEXT);
  const rawBody = deflateRawSync(TEXT);
  const { url } = await serve(t, (req, res) => {
    const body = req.url === '/raw' ? rawBody : zlibBody;
    res.setHeader('content-encoding', 'deflate');
    res.write(body.subarray(0, 1));
    setTimeout(() => res.end(body.subarray(1)), 20);
  });
  const s = session(t);
  assert.equal(await (await s.get(`${url}/zlib`)).text(), TEXT);
  assert.equal(await (await s.get(`${url}/raw`)).text(), TEXT);
});

const corrupt: [string, string, Buffer][] = [
  ['garbage labelled gzip', 'gzip', Buffer.from('this is not gzip at all, not even close')],
  ['a truncated gzip stream', 'gzip', gzipSync(TEXT).subarray(0, 40)],
  ['a gzip stream with a broken middle', 'gzip', (() => {
    const b = Buffer.from(gzipSync(TEXT));
    b.fill(0xff, 12, 30);
    return b;
  })()],
  ['a truncated deflate stream', 'deflate', deflateSync(TEXT).subarray(0, 30)],
  ['garbage labelled deflate', 'deflate', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
  ['a truncated br stream', 'br', brotliCompressSync(TEXT).subarray(0, 20)],
  ['garbage labelled br', 'br', Buffer.from('not brotli, definitely not brotli')],
];
for (const [name, enc, body] of corrupt) {
  for (const framing of ['Content-Length', 'chunked'] as const) {
    test(`${name} (${framing}) → ClientPayloadError caused by zlib's error`, T, async (t) => {
      const head = framing === 'chunked'
        ? `HTTP/1.1 200 OK\r\nContent-Encoding: ${enc}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`
        : `HTTP/1.1 200 OK\r\nContent-Encoding: ${enc}\r\nContent-Length: ${body.length}\r\n\r\n`;
      const tail = framing === 'chunked' ? '\r\n0\r\n\r\n' : '';
      const { url } = await serveRaw(t, rawAnswer(head, Buffer.concat([body, Buffer.from(tail)])));
      const s = session(t, { timeout: { total: 5 } });
      const resp = await s.get(url);
      await assert.rejects(resp.read(), (e: unknown) => {
        assert.ok(e instanceof ClientPayloadError, String(e));
        assert.ok(!(e instanceof TotalTimeoutError));
        const cause = (e as Error).cause as { code?: unknown } | undefined;
        assert.equal(typeof cause?.code, 'string');
        assert.match(String(cause?.code), /^(Z_|ERR_)/);
        return true;
      });
      assert.equal(resp.closed, true);
    });
  }
}

test('each reader of a corrupt body sees the error: text() and json() too', T, async (t) => {
  const { url } = await serveRaw(t, rawAnswer('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\n', Buffer.from('xxxxx')));
  const s = session(t, { timeout: { total: 5 } });
  await assert.rejects((await s.get(url)).text(), ClientPayloadError);
  await assert.rejects((await s.get(url)).json(), ClientPayloadError);
});

test('total holds until the decoded body is handed over, not just until the wire is done', T, async (t) => {
  // 8 MiB of zeros is a few KiB of gzip: undici has it all at once, while
  // the decoder still holds megabytes the reader has not taken.
  const body = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const { url } = await serve(t, (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(body);
  });
  const s = session(t, { timeout: { total: 0.3 } });
  const resp = await s.get(url);
  await sleep(0.6);
  await assert.rejects(resp.read(), TotalTimeoutError);
});

test('total fires on a gzip body whose server sends the headers and part of it, then stalls', T, async (t) => {
  const gz = gzipSync(TEXT);
  const { url } = await serveRaw(t, rawAnswer(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`, gz.subarray(0, 20)));
  const s = session(t, { timeout: { total: 0.3 } });
  const resp = await s.get(url);
  await assert.rejects(resp.read(), TotalTimeoutError);
});

test('release() of a compressed body whose wire part is done frees the response at once', T, async (t) => {
  const body = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const { url } = await serve(t, (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(body);
  });
  const s = session(t, { timeout: { total: null } });
  const resp = await s.get(url);
  await sleep(0.1); // the wire part completes; the decoder is paused, full
  resp.release();
  assert.equal(resp.closed, true);
  await assert.rejects(resp.content.read(), /released/);
  assert.equal(await (await s.get(url)).read().then((b) => b.length), 8 * 1024 * 1024);
});

test('sockRead does not run while a compressed body is paused by flow control', T, async (t) => {
  const plain = Buffer.alloc(4 * 1024 * 1024, 0x61);
  const body = gzipSync(plain);
  const { url } = await serve(t, (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(body);
  });
  const s = session(t, { timeout: { sockRead: 0.5 } });
  const resp = await s.get(url);
  await sleep(1.5); // the reader is full and the decoder paused: no data is expected, so none is late
  assert.ok((await resp.read()).equals(plain));
});

test('reading a decoded body after its exchange completed never resumes the next request on the same socket', T, async (t) => {
  const a = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const b = Buffer.alloc(4 * 1024 * 1024, 0x62);
  const { url } = await serve(t, (req, res) => {
    if (req.url === '/a') res.setHeader('content-encoding', 'gzip');
    res.end(req.url === '/a' ? a : b);
  });
  const s = session(t, { connector: new TCPConnector({ limit: 1 }) });
  const respA = await s.get(`${url}/a`);
  await sleep(0.1); // A's wire part is complete; its decoder waits, full
  const respB = await s.get(`${url}/b`); // the same socket, now B's
  // Until B's reader is full and B has paused the socket.
  let held = -1;
  while (held !== respB.content.bufferedSize) {
    held = respB.content.bufferedSize;
    await sleep(0.05);
  }
  assert.equal((await respA.read()).length, 8 * 1024 * 1024);
  await sleep(0.1);
  // A's reads must not have pulled any of B's body past its flow-control mark.
  assert.equal(respB.content.bufferedSize, held);
  assert.ok((await respB.read()).equals(b));
});

test('the caller\'s signal still aborts a compressed body whose wire part is done', T, async (t) => {
  const body = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const { url } = await serve(t, (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(body);
  });
  const s = session(t);
  const ac = new AbortController();
  const resp = await s.get(url, { signal: ac.signal });
  await sleep(0.1); // the wire part completes; the decoder is paused, full
  ac.abort();
  await assert.rejects(resp.read(), CancelledError);
  assert.equal(resp.closed, true);
});
