// Bad input and misbehaving peers, each against a real local server: the
// client fails fast with aiohttp's error class and a clear message.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { test } from 'node:test';
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

test('a 2 GiB body read with text() and a maxSize fails early with bounded memory', async (t) => {
  let written = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const { url } = await serve(t, (_req, res) => {
    // Endless body (chunked, no length): stop only when the client goes away.
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk)) written += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
  const s = session(t);
  const before = process.memoryUsage().rss;
  const resp = await s.get(url);
  await assert.rejects(resp.text(null, { maxSize: 1024 * 1024 }), (e: unknown) => {
    assert.ok(e instanceof ClientResponseTooLargeError);
    assert.ok(e instanceof ClientPayloadError);
    assert.match((e as Error).message, /larger than maxSize \(1048576 bytes\)/);
    return true;
  });
  assert.ok(written < 64 * 1024 * 1024, `the server wrote ${written} bytes before the client stopped`);
  assert.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024);
});

test('a Content-Length over maxSize fails before reading', async (t) => {
  const { url } = await serveRaw(t, (socket) => socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\nabc')));
  const s = session(t, { maxResponseSize: 1000 });
  const resp = await s.get(url);
  await assert.rejects(resp.read(), /2147483648 bytes/);
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
  ['NUL in a value', { 'x-a': 'a\0b' }],
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
  });
}

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
