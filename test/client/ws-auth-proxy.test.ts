// session.wsConnect() with auth, proxy/proxyAuth and trustEnv, as requests
// have them (aiohttp's ws_connect(auth=, proxy=, proxy_auth=) and trust_env):
// against aiots's own server, a real squid and the fault proxy of
// proxy-fixture.ts.
import assert from 'node:assert/strict';
import net, { type AddressInfo, type Socket } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import {
  BasicAuth, ClientHttpProxyError, ClientTimeout, ConnectionTimeoutError, ClientProxyConnectionError, ClientSession, NonHttpUrlClientError, TCPConnector, type ClientSessionOptions,
} from '../../src/client/index.js';
import { CancelledError, sleep } from '../../src/index.js';
import { TestServer } from '../../src/testing/index.js';
import { Application, WebSocketResponse, type Request } from '../../src/web/index.js';
import { closedPort } from './helpers.js';
import { basic, SQUID_SKIP, startProxy, startSquid } from './proxy-fixture.js';
import { TLS_CERT, TLS_KEY } from './tls-fixture.js';

/** A WebSocket server whose first message is the handshake's Authorization header, then an echo. */
async function wsServer(t: TestContext, tls = false): Promise<TestServer> {
  const app = new Application();
  app.router.addRoute('GET', '/ws', async (request: Request) => {
    const ws = new WebSocketResponse();
    await ws.prepare(request);
    await ws.sendStr(request.headers.get('authorization') ?? 'no-auth');
    for await (const msg of ws) if (typeof msg.data === 'string') await ws.sendStr(`echo ${msg.data}`);
    return ws;
  });
  const server = new TestServer(app, tls ? { ssl: { key: TLS_KEY, cert: TLS_CERT } } : {});
  await server.start();
  t.after(() => server.close());
  return server;
}

function wsUrl(server: TestServer): string {
  return server.makeUrl('/ws').replace(/^http/, 'ws');
}

function session(t: TestContext, options: ClientSessionOptions = {}): ClientSession {
  const s = new ClientSession({ connector: new TCPConnector({ ssl: { ca: TLS_CERT } }), ...options });
  t.after(() => s.close());
  return s;
}

/** Connect, read the server's view of Authorization, check the echo, close. */
async function roundTrip(s: ClientSession, url: string, options: Parameters<ClientSession['wsConnect']>[1] = {}): Promise<string> {
  const ws = await s.wsConnect(url, options);
  try {
    const auth = await ws.receiveStr();
    await ws.sendStr('hi');
    assert.equal(await ws.receiveStr(), 'echo hi');
    return auth;
  } finally {
    await ws.close();
  }
}

describe('wsConnect() auth', () => {
  test('auth per call, on the session, or in the URL is a Basic header on the handshake; none without', async (t) => {
    const server = await wsServer(t);
    const url = wsUrl(server);
    assert.equal(await roundTrip(session(t), url), 'no-auth');
    assert.equal(await roundTrip(session(t), url, { auth: new BasicAuth('alice', 'secret') }), basic('alice', 'secret'));
    const withSession = session(t, { auth: new BasicAuth('bob', 'pw') });
    assert.equal(await roundTrip(withSession, url), basic('bob', 'pw'));
    assert.equal(await roundTrip(withSession, url, { auth: new BasicAuth('carol', '') }), basic('carol', ''));
    const inUrl = url.replace('ws://', 'ws://dave:p%40ss@');
    // Sent once, decoded as aiohttp does (the URL's credentials win over the session's).
    assert.equal(await roundTrip(withSession, inUrl), basic('dave', 'p@ss'));
  });

  test('bad auth input is refused before any socket opens', async (t) => {
    const server = await wsServer(t);
    const url = wsUrl(server);
    const s = session(t);
    await assert.rejects(s.wsConnect(url, { auth: { login: 'u', password: 'p' } as never }), (e: unknown) => e instanceof TypeError && /auth must be a BasicAuth/.test(e.message));
    await assert.rejects(s.wsConnect(url.replace('ws://', 'ws://u:p@'), { auth: new BasicAuth('x') }), (e: unknown) => e instanceof TypeError && /credentials in the URL/.test(e.message));
    await assert.rejects(s.wsConnect(url, { auth: new BasicAuth('x'), headers: { Authorization: 'Bearer t' } }), (e: unknown) => e instanceof TypeError && /Authorization header/.test(e.message));
  });
});

describe('wsConnect() through a test proxy', () => {
  test('ws: and wss: go through a CONNECT tunnel with the proxy credentials; the target never sees them', async (t) => {
    const plain = await wsServer(t);
    const tls = await wsServer(t, true);
    const p = await startProxy(t, { authorization: basic('u', 'p') });
    const s = session(t, { proxy: p.url, proxyAuth: new BasicAuth('u', 'p') });
    assert.equal(await roundTrip(s, wsUrl(plain), { auth: new BasicAuth('a', 'b') }), basic('a', 'b'));
    assert.equal(await roundTrip(s, wsUrl(tls)), 'no-auth');
    const plainPort = new URL(plain.makeUrl('/')).port;
    const tlsPort = new URL(tls.makeUrl('/')).port;
    assert.deepEqual(p.seen.requests, [`CONNECT 127.0.0.1:${plainPort}`, `CONNECT 127.0.0.1:${tlsPort}`]);
    assert.deepEqual(p.seen.auth, [basic('u', 'p'), basic('u', 'p')]);
  });

  test('per call: another proxy with credentials in its URL; proxy: null keeps the session\'s (as aiohttp)', async (t) => {
    const server = await wsServer(t);
    const p1 = await startProxy(t);
    const p2 = await startProxy(t, { authorization: basic('x', 'y') });
    const s = session(t, { proxy: p1.url });
    await roundTrip(s, wsUrl(server), { proxy: p2.url.replace('http://', 'http://x:y@') });
    assert.deepEqual([p1.seen.requests.length, p2.seen.requests.length], [0, 1]);
    await roundTrip(s, wsUrl(server), { proxy: null });
    await roundTrip(s, wsUrl(server));
    assert.deepEqual([p1.seen.requests.length, p2.seen.requests.length], [2, 1]);
  });

  test('cancelled while the proxy holds the CONNECT: CancelledError, the tunnel goes', async (t) => {
    const server = await wsServer(t);
    const held: Socket[] = [];
    const closed: Promise<unknown>[] = [];
    const silent = net.createServer((sock) => {
      held.push(sock);
      closed.push(new Promise((resolve) => sock.once('close', resolve)));
      sock.resume();
      sock.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => {
      for (const sock of held) sock.destroy();
      silent.close(() => resolve());
    }));
    const s = session(t);
    const ac = new AbortController();
    const pending = s.wsConnect(wsUrl(server), { proxy: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, signal: ac.signal });
    while (held.length === 0) await sleep(0.01);
    ac.abort();
    await assert.rejects(pending, CancelledError);
    // The proxy sees the tunnel's socket close (else this test times out).
    await closed[0];
    assert.ok(held[0]?.destroyed);
  });

  test('a proxy that never answers CONNECT: ConnectionTimeoutError after the connect timeout', async (t) => {
    const server = await wsServer(t);
    const silent = net.createServer((sock) => sock.on('error', () => {}));
    const open = new Set<Socket>();
    silent.on('connection', (sock: Socket) => open.add(sock));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => {
      for (const sock of open) sock.destroy();
      silent.close(() => resolve());
    }));
    const s = session(t, { timeout: new ClientTimeout({ connect: 0.2 }) });
    await assert.rejects(s.wsConnect(wsUrl(server), { proxy: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }), ConnectionTimeoutError);
  });

  test('a refused CONNECT is a ClientHttpProxyError with the status (407 without credentials)', async (t) => {
    const server = await wsServer(t);
    const needy = await startProxy(t, { authorization: basic('u', 'p') });
    const s = session(t);
    const err = await s.wsConnect(wsUrl(server), { proxy: needy.url }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ClientHttpProxyError, String(err));
    assert.equal(err.status, 407);
    assert.equal(err.headers?.['proxy-authenticate'], 'Basic realm="test"');
    const refusing = await startProxy(t, { refuseConnect: 403 });
    await assert.rejects(s.wsConnect(wsUrl(server), { proxy: refusing.url }), (e: unknown) => e instanceof ClientHttpProxyError && e.status === 403 && e.headers?.['x-why'] === 'test');
    // The session still connects afterwards.
    assert.equal(await roundTrip(s, wsUrl(server)), 'no-auth');
  });

  test('a proxy that is not there: ClientProxyConnectionError naming the proxy', async (t) => {
    const server = await wsServer(t);
    const port = await closedPort();
    const s = session(t);
    const err = await s.wsConnect(wsUrl(server), { proxy: `http://127.0.0.1:${port}` }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ClientProxyConnectionError, String(err));
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  test('bad proxy input: a non-http(s) proxy URL, proxyAuth not a BasicAuth', async (t) => {
    const server = await wsServer(t);
    const s = session(t);
    const cases: [string, unknown, unknown, (e: unknown) => boolean][] = [
      ['socks5 proxy', 'socks5://127.0.0.1:1080', undefined, (e) => e instanceof NonHttpUrlClientError && /socks5:/.test(e.message)],
      ['ws proxy', 'ws://127.0.0.1:1', undefined, (e) => e instanceof NonHttpUrlClientError],
      ['not a URL', 'proxy:3128 nope', undefined, (e) => e instanceof NonHttpUrlClientError],
      ['a number', 3128, undefined, (e) => e instanceof TypeError && /proxy must be/.test(e.message)],
      ['proxyAuth a record', 'http://127.0.0.1:1', { login: 'u' }, (e) => e instanceof TypeError && /proxyAuth must be a BasicAuth/.test(e.message)],
      ['proxyAuth a string', 'http://127.0.0.1:1', 'Basic dTpw', (e) => e instanceof TypeError && /proxyAuth must be a BasicAuth/.test(e.message)],
    ];
    for (const [name, proxy, proxyAuth, check] of cases) {
      await assert.rejects(s.wsConnect(wsUrl(server), { proxy, proxyAuth } as never), check, name);
    }
  });
});

describe('wsConnect() through squid', { skip: SQUID_SKIP }, () => {
  test('ws: and wss: through squid; its Basic check passes with proxyAuth and fails (407) without', async (t) => {
    const squid = await startSquid(t);
    const plain = await wsServer(t);
    const tls = await wsServer(t, true);
    const s = session(t);
    assert.equal(await roundTrip(s, wsUrl(plain), { proxy: squid.open, auth: new BasicAuth('a', 'b') }), basic('a', 'b'));
    assert.equal(await roundTrip(s, wsUrl(tls), { proxy: squid.open }), 'no-auth');
    await assert.rejects(s.wsConnect(wsUrl(plain), { proxy: squid.auth }), (e: unknown) => e instanceof ClientHttpProxyError && e.status === 407);
    assert.equal(await roundTrip(s, wsUrl(tls), { proxy: squid.auth, proxyAuth: new BasicAuth('alice', 'secret') }), 'no-auth');
    assert.equal(await roundTrip(s, wsUrl(plain), { proxy: squid.auth.replace('http://', 'http://alice:secret@') }), 'no-auth');
  });
});

const ENV = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'WS_PROXY', 'ws_proxy', 'WSS_PROXY', 'wss_proxy', 'NO_PROXY', 'no_proxy', 'NETRC'];

function setEnv(t: TestContext, values: Record<string, string>): void {
  const saved = new Map(ENV.map((n) => [n, process.env[n]]));
  for (const n of ENV) delete process.env[n];
  Object.assign(process.env, values);
  t.after(() => {
    for (const [n, v] of saved) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  });
}

describe('wsConnect() with trustEnv', () => {
  test('WS_PROXY (aiohttp\'s name), else HTTP_PROXY; credentials in it; NO_PROXY bypasses; off without trustEnv', async (t) => {
    const server = await wsServer(t);
    const wsP = await startProxy(t, { authorization: basic('e', 'nv') });
    const httpP = await startProxy(t);
    setEnv(t, { WS_PROXY: wsP.url.replace('http://', 'http://e:nv@'), HTTP_PROXY: httpP.url });
    const s = session(t, { trustEnv: true });
    await roundTrip(s, wsUrl(server));
    assert.equal(wsP.seen.requests.length, 1);
    assert.deepEqual(wsP.seen.auth, [basic('e', 'nv')]);
    delete process.env.WS_PROXY;
    await roundTrip(s, wsUrl(server));
    assert.equal(httpP.seen.requests.length, 1);
    process.env.NO_PROXY = 'localhost,127.0.0.1';
    await roundTrip(s, wsUrl(server));
    assert.equal(httpP.seen.requests.length, 1);
    delete process.env.NO_PROXY;
    await roundTrip(session(t), wsUrl(server));
    assert.equal(httpP.seen.requests.length, 1);
  });

  test('wss: takes WSS_PROXY, else HTTPS_PROXY', async (t) => {
    const tls = await wsServer(t, true);
    const wssP = await startProxy(t);
    const httpsP = await startProxy(t);
    setEnv(t, { WSS_PROXY: wssP.url, HTTPS_PROXY: httpsP.url });
    const s = session(t, { trustEnv: true });
    await roundTrip(s, wsUrl(tls));
    delete process.env.WSS_PROXY;
    await roundTrip(s, wsUrl(tls));
    assert.deepEqual([wssP.seen.requests.length, httpsP.seen.requests.length], [1, 1]);
  });
});
