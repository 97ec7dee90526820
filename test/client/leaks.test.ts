// Nothing leaks: a response dropped unread gives its socket back once
// collected, and diagnostics_channel sees every request.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as client from '../../src/client/index.js';
import { sleep } from '../../src/index.js';
import { serve, session } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a response dropped without being read or released frees its connection when collected', async (t) => {
  let onClose!: () => void;
  const closed = new Promise<void>((r) => { onClose = r; });
  const big = Buffer.alloc(1024 * 1024, 0x61);
  const { url } = await serve(t, (req, res) => {
    req.socket.once('close', onClose);
    res.write(big); // more than the reader buffers: the socket stays paused until released
  });
  const s = session(t);
  await (async () => {
    const resp = await s.get(url);
    assert.equal(resp.status, 200);
  })();
  let done = false;
  void closed.then(() => { done = true; });
  for (let i = 0; i < 50 && !done; i++) {
    gc();
    await sleep(0.02);
  }
  assert.equal(done, true, 'the server never saw the connection close');
});

test('diagnostics_channel aiots:client:request sees each request', async (t) => {
  const { url } = await serve(t, (_req, res) => res.end('ok'));
  const seen: string[] = [];
  const listener = (msg: unknown): void => {
    seen.push(`${(msg as { method: string }).method} ${(msg as { url: URL }).url.pathname}`);
  };
  subscribe('aiots:client:request', listener);
  t.after(() => unsubscribe('aiots:client:request', listener));
  const s = session(t);
  await (await s.get(`${url}/a`)).text();
  await (await s.post(`${url}/b`)).text();
  assert.deepEqual(seen, ['GET /a', 'POST /b']);
});

test('the export surface of aiots/client', () => {
  const names = [
    'ClientSession', 'ClientResponse', 'ResponseHeaders', 'ClientTimeout', 'DEFAULT_TIMEOUT', 'TCPConnector', 'CookieJar', 'DummyCookieJar',
    'TraceConfig', 'ClientError', 'ClientConnectionError', 'ClientConnectionResetError', 'ClientOSError', 'ClientConnectorError', 'ClientConnectorDNSError',
    'ClientSSLError', 'ClientConnectorCertificateError', 'ServerConnectionError', 'ServerDisconnectedError', 'ServerTimeoutError', 'ConnectionTimeoutError', 'SocketTimeoutError',
    'TotalTimeoutError', 'ClientResponseError', 'ContentTypeError', 'TooManyRedirects', 'WSServerHandshakeError', 'ClientPayloadError',
    'ClientResponseTooLargeError', 'InvalidURL', 'NonHttpUrlClientError', 'InvalidUrlRedirectClientError', 'NonHttpUrlRedirectClientError',
    'RedirectClientError', 'InsecureRedirectClientError', 'InvalidHeaderError', 'isClientError', 'ClientWebSocketResponse', 'WSMsgType',
    'WSCloseCode', 'WS_CLOSED_MESSAGE', 'WS_CLOSING_MESSAGE', 'WebSocketBase', 'ClientProxyConnectionError', 'ClientHttpProxyError',
    'AbstractResolver', 'ThreadedResolver', 'AsyncResolver',
  ];
  for (const n of names) assert.ok(n in client, `${n} is exported`);
  // Each client error has its own stable code.
  const codes = new Map<string, string>();
  for (const [n, v] of Object.entries(client)) {
    if (typeof v !== 'function' || !(v.prototype instanceof Error)) continue;
    const e = new (v as new (...a: unknown[]) => Error & { code: string })(...argsFor(n));
    assert.ok(client.isClientError(e), n);
    assert.match(e.code, /^AIOTS_ERR_CLIENT/, n);
    assert.equal(codes.get(e.code), undefined, `${n} shares its code with ${codes.get(e.code)}`);
    codes.set(e.code, n);
  }
  assert.equal(codes.size, 29, `${codes.size} error classes`);
});

function argsFor(name: string): unknown[] {
  const info = { url: new URL('http://x/'), method: 'GET', headers: {}, realUrl: new URL('http://x/') };
  if (/^(ClientResponseError|ContentTypeError|TooManyRedirects|WSServerHandshakeError|ClientHttpProxyError)$/.test(name)) return [info, 'm'];
  if (/^(ClientConnector|ClientSSLError|ClientProxyConnectionError)/.test(name)) return ['h', 1, 'm'];
  if (name === 'ConnectionTimeoutError') return ['m', 'pool'];
  if (name === 'ClientResponseTooLargeError') return [1, null];
  return ['m'];
}
