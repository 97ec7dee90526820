// Requests through an HTTP proxy: a real squid, and a proxy written in
// proxy-fixture.ts for the faults (407, CONNECT refused, tunnel cut mid-body,
// proxy gone), mapped to aiohttp's errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BasicAuth, ClientHttpProxyError, ClientPayloadError, ClientProxyConnectionError, ClientSession, NonHttpUrlClientError, ServerDisconnectedError,
} from '../../src/client/index.js';
import { closedPort, serve, serveTls, session } from './helpers.js';
import { basic, SQUID_SKIP, startProxy, startSquid } from './proxy-fixture.js';
import { TLS_CERT } from './tls-fixture.js';
import { TCPConnector } from '../../src/client/index.js';

const auth = (login: string, password: string): BasicAuth => new BasicAuth(login, password);

describe('through squid', { skip: SQUID_SKIP }, () => {
  test('an http target goes in absolute form; an https target through CONNECT; squid adds its Via', async (t) => {
    const squid = await startSquid(t);
    const plain = await serve(t, (req, res) => res.end(`plain ${req.url} via=${req.headers.via ?? '-'}`));
    const tls = await serveTls(t, (req, res) => res.end(`tls ${req.url} via=${req.headers.via ?? '-'}`));
    const s = session(t, { proxy: squid.open, connector: new TCPConnector({ ssl: { ca: TLS_CERT } }) });
    const r1 = await s.get(`${plain.url}/a?x=1`);
    assert.equal(r1.status, 200);
    assert.match(await r1.text(), /^plain \/a\?x=1 via=1\.1 aiots-test/);
    const r2 = await s.get(`${tls.url}/b`);
    assert.equal(r2.status, 200);
    // Inside the tunnel squid sees nothing: no Via, and the certificate is checked end to end.
    assert.equal(await r2.text(), 'tls /b via=-');
  });

  test('proxyAuth (per request, or in the proxy URL) passes squid\'s Basic check; without it, 407', async (t) => {
    const squid = await startSquid(t);
    const plain = await serve(t, (_req, res) => res.end('ok'));
    const tls = await serveTls(t, (_req, res) => res.end('tls ok'));
    const s = session(t);
    const noAuth = await s.get(plain.url, { proxy: squid.auth });
    assert.equal(noAuth.status, 407); // as aiohttp: for an http target the proxy's answer is the response
    noAuth.release();
    await assert.rejects(s.get(tls.url, { proxy: squid.auth, ssl: false }), (e: unknown) => e instanceof ClientHttpProxyError && e.status === 407);
    const ok = await s.get(plain.url, { proxy: squid.auth, proxyAuth: auth('alice', 'secret') });
    assert.equal(await ok.text(), 'ok');
    const inUrl = squid.auth.replace('http://', 'http://alice:secret@');
    const ok2 = await s.get(tls.url, { proxy: inUrl, ssl: false });
    assert.equal(await ok2.text(), 'tls ok');
  });
});

describe('through a test proxy', () => {
  test('session proxy and proxyAuth are sent; a request may name another proxy', async (t) => {
    const p1 = await startProxy(t, { authorization: basic('u', 'p') });
    const p2 = await startProxy(t);
    const plain = await serve(t, (req, res) => res.end(`${req.headers.via ?? '-'} ${req.headers['proxy-authorization'] ?? 'no-proxy-auth'}`));
    const s = session(t, { proxy: p1.url, proxyAuth: auth('u', 'p') });
    assert.equal(await (await s.get(`${plain.url}/x`)).text(), '1.1 test-proxy no-proxy-auth');
    assert.deepEqual(p1.seen.requests, [`GET ${plain.url}/x`]);
    assert.deepEqual(p1.seen.auth, [basic('u', 'p')]);
    await (await s.get(`${plain.url}/y`, { proxy: p2.url, proxyAuth: null })).text();
    assert.deepEqual(p2.seen.requests, [`GET ${plain.url}/y`]);
  });

  test('a CONNECT answered 407 is a ClientHttpProxyError with the status and the proxy\'s headers', async (t) => {
    const p = await startProxy(t, { authorization: basic('u', 'right') });
    const tls = await serveTls(t, (_req, res) => res.end('never'));
    const s = session(t);
    const err = await s.get(tls.url, { proxy: p.url, proxyAuth: auth('u', 'wrong'), ssl: false }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ClientHttpProxyError, String(err));
    assert.equal(err.status, 407);
    assert.equal(err.requestInfo.method, 'CONNECT');
    assert.equal(err.requestInfo.url.href, `${p.url}/`);
    assert.equal(err.headers?.['proxy-authenticate'], 'Basic realm="test"');
    assert.deepEqual(p.seen.auth, [basic('u', 'wrong')]);
  });

  test('a refused CONNECT (403) is a ClientHttpProxyError 403', async (t) => {
    const p = await startProxy(t, { refuseConnect: 403 });
    const tls = await serveTls(t, (_req, res) => res.end('never'));
    const s = session(t);
    await assert.rejects(s.get(tls.url, { proxy: p.url, ssl: false }), (e: unknown) => e instanceof ClientHttpProxyError && e.status === 403 && e.headers?.['x-why'] === 'test');
  });

  test('a tunnel cut mid-body is a ClientPayloadError on read', async (t) => {
    const p = await startProxy(t, { cutAfter: 20_000 });
    const big = Buffer.alloc(1 << 20, 'x');
    const tls = await serveTls(t, (_req, res) => res.end(big));
    const s = session(t);
    const resp = await s.get(tls.url, { proxy: p.url, ssl: false });
    assert.equal(resp.status, 200);
    await assert.rejects(resp.read(), (e: unknown) => e instanceof ClientPayloadError && e.cause instanceof ServerDisconnectedError);
  });

  test('a proxy that is not there: ClientProxyConnectionError naming the proxy (http and https targets)', async (t) => {
    const port = await closedPort();
    const plain = await serve(t, (_req, res) => res.end('never'));
    const tls = await serveTls(t, (_req, res) => res.end('never'));
    const s = session(t);
    for (const target of [plain.url, tls.url]) {
      const err = await s.get(target, { proxy: `http://127.0.0.1:${port}`, ssl: false }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof ClientProxyConnectionError, `${target}: ${String(err)}`);
      assert.equal(err.host, '127.0.0.1');
      assert.equal(err.port, port);
      assert.equal(err.osCode, 'ECONNREFUSED');
    }
  });

  test('closing the session closes its tunnels', async (t) => {
    const p = await startProxy(t);
    const tls = await serveTls(t, (_req, res) => res.end('ok'));
    const s = new ClientSession({ proxy: p.url });
    assert.equal(await (await s.get(tls.url, { ssl: false })).text(), 'ok');
    assert.equal(p.sockets.size, 1);
    await s.close();
    for (let i = 0; i < 50 && p.sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(p.sockets.size, 0);
  });
});

describe('bad proxy input', () => {
  const cases: [string, unknown, unknown, (e: unknown) => boolean][] = [
    ['socks5 scheme', 'socks5://127.0.0.1:1080', undefined, (e) => e instanceof NonHttpUrlClientError && /socks5/.test(e.message)],
    ['ftp scheme', new URL('ftp://127.0.0.1/'), undefined, (e) => e instanceof NonHttpUrlClientError],
    ['not a URL', 'proxy:3128 nope', undefined, (e) => e instanceof NonHttpUrlClientError],
    ['a number', 3128, undefined, (e) => e instanceof TypeError && /proxy must be/.test(e.message)],
    ['proxyAuth that is not a BasicAuth', 'http://127.0.0.1:1', { login: 'u' }, (e) => e instanceof TypeError && /proxyAuth must be a BasicAuth/.test(e.message)],
    ['proxyAuth that only looks like one', 'http://127.0.0.1:1', { encode: () => 'Basic x\r\nX-Evil: 1' }, (e) => e instanceof TypeError && /proxyAuth must be a BasicAuth/.test(e.message)],
    ['proxyAuth a string', 'http://127.0.0.1:1', 'Basic dTpw', (e) => e instanceof TypeError && /proxyAuth must be a BasicAuth/.test(e.message)],
  ];
  for (const [name, proxy, proxyAuth, check] of cases) {
    test(`${name}: refused on the session and on the request`, async (t) => {
      assert.throws(() => new ClientSession({ proxy, proxyAuth } as never), check);
      const s = session(t);
      await assert.rejects(s.get('http://127.0.0.1:1/', { proxy, proxyAuth } as never), check);
    });
  }
});
