// Bad input and misbehaving peers, each against a real local server: the
// client fails fast with aiohttp's error class and a clear message.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import {
  ClientConnectionError, ClientConnectorDNSError, ClientConnectorError, ClientError, ClientPayloadError, ClientResponseTooLargeError,
  ContentTypeError, InsecureRedirectClientError, InvalidHeaderError, InvalidURL, NonHttpUrlClientError, NonHttpUrlRedirectClientError,
  ServerDisconnectedError, SocketTimeoutError, TooManyRedirects,
} from '../../src/client/index.js';
import { TimeoutError } from '../../src/index.js';
import { closedPort, serve, serveRaw, session } from './helpers.js';

test('connection refused → ClientConnectorError with the OS code', async (t) => {
  const port = await closedPort();
  const s = session(t);
  await assert.rejects(s.get(`http://127.0.0.1:${port}/`), (e: unknown) => {
    assert.ok(e instanceof ClientConnectorError);
    assert.ok(e instanceof ClientConnectionError);
    assert.equal(e.osCode, 'ECONNREFUSED');
    assert.equal(e.port, port);
    assert.match(e.message, /Cannot connect to host 127\.0\.0\.1:\d+: ECONNREFUSED/);
    return true;
  });
});

test('a name that does not resolve (.invalid) → ClientConnectorDNSError', async (t) => {
  const s = session(t);
  await assert.rejects(s.get('http://no-such-host.invalid/'), (e: unknown) => {
    assert.ok(e instanceof ClientConnectorDNSError);
    assert.ok(e instanceof ClientConnectorError);
    assert.equal(e.host, 'no-such-host.invalid');
    return true;
  });
});

test('a server that accepts and never answers → SocketTimeoutError (sockRead), also a TimeoutError', async (t) => {
  const { url } = await serveRaw(t, () => {});
  const s = session(t, { timeout: { sockRead: 0.2 } });
  await assert.rejects(s.get(url), (e: unknown) => {
    assert.ok(e instanceof SocketTimeoutError);
    assert.ok(e instanceof TimeoutError);
    assert.ok(e instanceof ClientError);
    return true;
  });
});

test('a server that closes mid-body → ClientPayloadError caused by ServerDisconnectedError', async (t) => {
  const { url } = await serveRaw(t, (socket: net.Socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial');
      setImmediate(() => socket.destroy());
    });
  });
  const s = session(t);
  const resp = await s.get(url);
  await assert.rejects(resp.text(), (e: unknown) => {
    assert.ok(e instanceof ClientPayloadError);
    assert.ok((e as Error).cause instanceof ServerDisconnectedError);
    return true;
  });
});

test('a server that closes before answering → ServerDisconnectedError', async (t) => {
  const { url } = await serveRaw(t, (socket) => socket.once('data', () => socket.destroy()));
  const s = session(t);
  await assert.rejects(s.post(url, { data: 'x' }), ServerDisconnectedError);
});

test('a redirect loop → TooManyRedirects with the history', async (t) => {
  const { url } = await serve(t, (req, res) => {
    res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' });
    res.end();
  });
  const s = session(t);
  await assert.rejects(s.get(`${url}/a`, { maxRedirects: 5 }), (e: unknown) => {
    assert.ok(e instanceof TooManyRedirects);
    assert.equal(e.history.length, 6);
    assert.equal(e.requestInfo.url.pathname, '/a');
    return true;
  });
});

const badRedirects: [string, string, new (...a: never[]) => Error][] = [
  ['file scheme', 'file:///etc/passwd', NonHttpUrlRedirectClientError],
  ['javascript scheme', 'javascript:alert(1)', NonHttpUrlRedirectClientError],
  ['ftp scheme', 'ftp://example.org/', NonHttpUrlRedirectClientError],
  ['unparsable', 'http://[::1', InvalidURL],
];
for (const [name, location, cls] of badRedirects) {
  test(`a redirect to a bad location is refused: ${name}`, async (t) => {
    const { url } = await serve(t, (_req, res) => {
      res.writeHead(302, { location });
      res.end();
    });
    const s = session(t);
    await assert.rejects(s.get(url), cls);
  });
}

test('an https → http downgrade is refused by default', async (t) => {
  const { url } = await serve(t, (_req, res) => res.end());
  const s = session(t);
  // The check runs before any https connection: fake the https hop with a local redirect chain.
  const { nextHop } = await import('../../src/client/redirects.js');
  assert.throws(() => nextHop(302, 'GET', new URL('https://example.org/'), url, true, false), InsecureRedirectClientError);
  assert.equal(nextHop(302, 'GET', new URL('https://example.org/'), url, true, true)?.url.href, `${url}/`);
  assert.equal((await s.get(url)).status, 200);
});

const TWO_GIB = 2 * 1024 ** 3;

/** A 2 GiB body made chunk by chunk as the socket asks for it: the server never holds it either. */
async function twoGiBServer(t: TestContext, withLength: boolean): Promise<{ url: string; written: () => number; closed: Promise<void> }> {
  let written = 0;
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => { onClose = resolve; });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, withLength ? { 'content-type': 'text/plain', 'content-length': String(TWO_GIB) } : { 'content-type': 'text/plain' });
    const body = new Readable({
      read() {
        if (written >= TWO_GIB) {
          this.push(null);
          return;
        }
        const n = Math.min(chunk.length, TWO_GIB - written);
        written += n;
        this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      },
    });
    res.once('close', onClose);
    pipeline(body, res, () => {});
  });
  return { url, written: () => written, closed };
}

for (const withLength of [false, true]) {
  test(`a 2 GiB body (${withLength ? 'Content-Length' : 'chunked'}) read with text({ maxSize }) fails early, without buffering it`, async (t) => {
    const { url, written, closed } = await twoGiBServer(t, withLength);
    const s = session(t);
    const before = process.memoryUsage().rss;
    const resp = await s.get(url);
    await assert.rejects(resp.text(null, { maxSize: 1024 * 1024 }), (e: unknown) => {
      assert.ok(e instanceof ClientResponseTooLargeError);
      assert.ok(e instanceof ClientPayloadError);
      assert.equal(e.maxSize, 1024 * 1024);
      // With a length the check needs no byte of the body.
      assert.match((e as Error).message, withLength ? /larger than maxSize \(1048576 bytes\): 2147483648 bytes/ : /larger than maxSize \(1048576 bytes\)$/);
      return true;
    });
    await closed; // the client closed the connection: the server stops making the body
    assert.ok(written() < 64 * 1024 * 1024, `the server made ${written()} bytes before the client stopped`);
    assert.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024, 'the client buffered far more than maxSize');
    assert.equal(s.connector._slots.active, 0);
  });
}

test('the session default maxResponseSize applies to read(), json() and text()', async (t) => {
  const { url } = await serveRaw(t, (socket) => socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\nabc')));
  const s = session(t, { maxResponseSize: 1000 });
  const resp = await s.get(url);
  await assert.rejects(resp.read(), /2147483648 bytes/);
  // A larger limit given to the call wins over the session's.
  const small = await serve(t, (_req, res) => res.end('x'.repeat(2000)));
  assert.equal((await (await s.get(small.url)).text(null, { maxSize: 4000 })).length, 2000);
  await assert.rejects((await s.get(small.url)).text(), ClientResponseTooLargeError);
});

const badUrls: [string, unknown, new (...a: never[]) => Error][] = [
  ['relative without baseUrl', '/path', InvalidURL],
  ['garbage', 'http://exa mple.org/', InvalidURL],
  ['unclosed IPv6', 'http://[::1/', InvalidURL],
  ['empty host', 'http://:80/', InvalidURL],
  ['ftp scheme', 'ftp://example.org/', NonHttpUrlClientError],
  ['file scheme', 'file:///etc/passwd', NonHttpUrlClientError],
  ['not a string', 42, TypeError],
];
for (const [name, url, cls] of badUrls) {
  test(`an invalid URL is refused before any I/O: ${name}`, async (t) => {
    const s = session(t);
    await assert.rejects(s.get(url as string), cls);
  });
}

const badHeaders: [string, Record<string, string>][] = [
  ['CRLF in a value', { 'x-a': 'ok\r\nInjected: yes' }],
  ['LF in a value', { 'x-a': 'ok\nInjected: yes' }],
  ['CR alone in a value', { 'x-a': 'ok\rInjected: yes' }],
  ['NUL in a value', { 'x-a': 'a\0b' }],
  ['another control character in a value', { 'x-a': 'a\x01b' }],
  ['DEL in a value', { 'x-a': 'a\x7fb' }],
  ['a character beyond U+00FF in a value', { 'x-a': 'price: 5\u20ac' }],
  ['space in a name', { 'x a': 'v' }],
  ['colon in a name', { 'x:a': 'v' }],
  ['CRLF in a name', { 'x\r\na': 'v' }],
];
for (const [name, headers] of badHeaders) {
  test(`a header with ${name} is refused before sending`, async (t) => {
    let requests = 0;
    const { url } = await serve(t, (_req, res) => { requests++; res.end(); });
    const s = session(t);
    await assert.rejects(s.get(url, { headers }), InvalidHeaderError);
    assert.equal(requests, 0);
    assert.throws(() => session(t, { headers }), InvalidHeaderError);
    assert.equal(s.connector.openConnections, 0);
  });
}

test('CRLF smuggled through cookies, pairs or the URL never reaches the wire', async (t) => {
  let requests = 0;
  const seen: string[] = [];
  const { url } = await serve(t, (req, res) => {
    requests++;
    seen.push(req.url ?? '');
    res.end();
  });
  const s = session(t);
  await assert.rejects(s.get(url, { cookies: { a: 'b\r\nX-Injected: 1' } }), InvalidHeaderError);
  await assert.rejects(s.get(url, { headers: [['x-a', 'b\r\nX-Injected: 1']] }), InvalidHeaderError);
  await assert.rejects(s.request('GET\r\nX: 1', url), TypeError);
  assert.equal(requests, 0);
  // In a URL, CR and LF are percent-encoded or dropped by the WHATWG parser: no header can come out of them.
  await (await s.get(`${url}/a b\r\nX-Injected: 1`, { params: { q: 'x\r\ny' } })).text();
  assert.equal(requests, 1);
  assert.doesNotMatch(seen[0]!, /[\r\n ]/);
});

const jsonTypes: [string, string, boolean][] = [
  ['text/html', '{"a":1}', false],
  ['text/plain', '{"a":1}', false],
  ['application/json; charset=utf-8', '{"a":1}', true],
  ['application/vnd.api+json', '{"a":1}', true],
];
for (const [type, body, ok] of jsonTypes) {
  test(`json() on a ${type} response ${ok ? 'parses' : 'raises ContentTypeError'}`, async (t) => {
    const { url } = await serve(t, (_req, res) => {
      res.setHeader('content-type', type);
      res.end(body);
    });
    const s = session(t);
    if (ok) assert.deepEqual(await (await s.get(url)).json(), { a: 1 });
    else {
      await assert.rejects((await s.get(url)).json(), (e: unknown) => e instanceof ContentTypeError && e.status === 200 && /unexpected mimetype: text\//.test((e as Error).message));
      assert.deepEqual(await (await s.get(url)).json({ contentType: null }), { a: 1 });
    }
  });
}

test('bad arguments name the function and the value', async (t) => {
  const s = session(t);
  await assert.rejects(s.request('GE T', 'http://127.0.0.1/'), /ClientSession.request\(\): method must be an HTTP token/);
  await assert.rejects(s.get('http://127.0.0.1/', { data: 'a', json: 1 }), /data and json cannot be given together/);
  await assert.rejects(s.get('http://127.0.0.1/', { maxRedirects: -1 }), /maxRedirects must be >= 0/);
  await assert.rejects(s.get('http://127.0.0.1/', { timeout: { total: -1 } }), /total must be > 0/);
  assert.throws(() => session(t, { timeout: { sockRead: 'x' as never } }), /sockRead must be a number of seconds or null, got string "x"/);
});
