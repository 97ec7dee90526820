// Every options object of `aiots/client` refuses a name it does not know,
// naming it and, for an aiohttp one, the aiots name; a request with an
// unknown option is refused before anything is sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientSession, ClientTimeout, CookieJar, TCPConnector, TraceConfig, ClientWebSocketResponse } from '../../src/client/index.js';
import { refusesOption } from '../helpers/refuses-option.js';
import { serve, session } from './helpers.js';

describe('unknown options in aiots/client', () => {
  it('session.get(url, { expect100, proxy }) is refused before anything is sent', async (t) => {
    let requests = 0;
    let connections = 0;
    const { url, server } = await serve(t, (_req, res) => {
      requests++;
      res.end('ok');
    });
    server.on('connection', () => connections++);
    const s = session(t);
    await refusesOption(
      () => s.get(url, { expect100: true, proxy: 'http://127.0.0.1:1' } as never),
      /^ClientSession\.request\(\): unknown option "expect100"; known options: allowInsecureRedirects, allowRedirects, auth, cookies, data/,
    );
    await refusesOption(() => s.post(url, { readUntilEof: false } as never), /unknown option "readUntilEof"/);
    // The same session still works, and the server saw only this request.
    const resp = await s.get(url);
    assert.equal(await resp.text(), 'ok');
    assert.equal(requests, 1);
    assert.equal(connections, 1);
  });

  it('per-request options: aiohttp names get their aiots name', async (t) => {
    const s = session(t);
    const url = 'http://127.0.0.1:1/';
    await refusesOption(() => s.get(url, { ssl_context: {} } as never), /^ClientSession\.request\(\): unknown option "ssl_context"; did you mean "ssl"\?$/);
    await refusesOption(() => s.get(url, { verify_ssl: false } as never), /did you mean "ssl"\?$/);
    await refusesOption(() => s.get(url, { allow_redirects: false } as never), /unknown option "allow_redirects"; did you mean "allowRedirects"\?$/);
    await refusesOption(() => s.head(url, { raise_for_status: true } as never), /did you mean "raiseForStatus"\?$/);
    await refusesOption(() => s.get(url, { timeout: { sock_read: 1 } } as never), /^ClientTimeout\(\): unknown option "sock_read"; did you mean "sockRead"\?$/);
    await refusesOption(() => s.get(url, 'json' as never), /^ClientSession\.request\(\): options must be an object, got string "json"$/);
  });

  const cases: [string, () => unknown, RegExp][] = [
    ['ClientSession', () => new ClientSession({ base_url: 'http://x/' } as never), /^ClientSession\(\): unknown option "base_url"; did you mean "baseUrl"\?$/],
    ['ClientSession (conn_timeout)', () => new ClientSession({ conn_timeout: 5 } as never), /^ClientSession\(\): unknown option "conn_timeout"; did you mean "timeout"\?$/],
    ['ClientSession (requoteRedirectUrl)', () => new ClientSession({ requoteRedirectUrl: false } as never), /^ClientSession\(\): unknown option "requoteRedirectUrl"; known options: /],
    ['ClientTimeout', () => new ClientTimeout({ sock_connect: 1 } as never), /^ClientTimeout\(\): unknown option "sock_connect"; did you mean "sockConnect"\?$/],
    ['ClientTimeout.with', () => new ClientTimeout().with({ totl: 1 } as never), /^ClientTimeout\.with\(\): unknown option "totl"; did you mean "total"\?$/],
    ['TCPConnector', () => new TCPConnector({ limit_per_host: 1 } as never), /^TCPConnector\(\): unknown option "limit_per_host"; did you mean "limitPerHost"\?$/],
    ['TCPConnector (verify_ssl)', () => new TCPConnector({ verify_ssl: false } as never), /^TCPConnector\(\): unknown option "verify_ssl"; did you mean "ssl"\?$/],
    ['CookieJar', () => new CookieJar({ quote_cookie: false } as never), /^CookieJar\(\): unknown option "quote_cookie"; known options: unsafe$/],
    ['TraceConfig', () => new TraceConfig({ trace_config_ctx_factory: () => ({}) } as never), /^TraceConfig\(\): unknown option "trace_config_ctx_factory"; did you mean "traceConfigCtxFactory"\?$/],
  ];
  for (const [name, fn, expected] of cases) {
    it(`${name} refuses an unknown option`, () => refusesOption(fn, expected));
  }

  it('wsConnect refuses an unknown option before connecting', async (t) => {
    let connections = 0;
    const { url, server } = await serve(t, (_req, res) => res.end());
    server.on('connection', () => connections++);
    const s = session(t);
    await refusesOption(() => s.wsConnect(url, { receive_timeout: 1 } as never), /^ClientSession\.wsConnect\(\): unknown option "receive_timeout"; did you mean "receiveTimeout"\?$/);
    await refusesOption(() => s.wsConnect(url, { ssl_context: {} } as never), /unknown option "ssl_context"/);
    assert.equal(connections, 0);
  });

  it('the WebSocket methods refuse unknown options', async () => {
    const ws = new ClientWebSocketResponse({});
    await refusesOption(() => ws.receive({ timout: 1 } as never), /^WebSocket\.receive\(\): unknown option "timout"; did you mean "timeout"\?$/);
    await refusesOption(() => ws.receiveStr({ loads: JSON.parse } as never), /^WebSocket\.receive\(\): unknown option "loads"/);
    await refusesOption(() => ws.receiveJson({ object_hook: null } as never), /^WebSocket\.receiveJson\(\): unknown option "object_hook"/);
    await refusesOption(() => ws.sendJson({}, { binary: true } as never), /^WebSocket\.sendJson\(\): unknown option "binary"/);
    await refusesOption(() => ws.close({ reason: 'bye' } as never), /^WebSocket\.close\(\): unknown option "reason"/);
  });

  it('ClientResponse.read(), text() and json() refuse unknown options', async (t) => {
    const { url } = await serve(t, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"a":1}');
    });
    const s = session(t);
    const resp = await s.get(url);
    await refusesOption(() => resp.read({ max_size: 10 } as never), /^ClientResponse\.read\(\): unknown option "max_size"; did you mean "maxSize"\?$/);
    await refusesOption(() => resp.text(null, { max_size: 10 } as never), /^ClientResponse\.text\(\): unknown option "max_size"/);
    await refusesOption(() => resp.json({ content_type: null } as never), /^ClientResponse\.json\(\): unknown option "content_type"; did you mean "contentType"\?$/);
    assert.deepEqual(await resp.json({ contentType: null, maxSize: 100, loads: JSON.parse }), { a: 1 });
  });
});
