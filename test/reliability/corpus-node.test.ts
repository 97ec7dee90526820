// Node core's tests about smuggling and limits (nodejs/node test/parallel/),
// ported as raw-byte cases against a running aiots server: what Node's own
// server must refuse, aiots refuses too, before any handler, and stays up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestServer } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';
import { rawRequest, statusOf } from '../web/helpers.js';
import { runCase, startCorpusServer, type Case, type CorpusServer } from './raw-harness.js';

const P = 'nodejs/node test/parallel/';
const SMUGGLED = 'POST / HTTP/1.1\r\nContent-Type: text/plain; charset=utf-8\r\nHost: hacker.exploit.com\r\nConnection: keep-alive\r\nContent-Length: 28\r\n\r\nI AM A SMUGGLED REQUEST!!!\r\n';
const BAD_TE = (te: string): string => `POST / HTTP/1.1\r\nContent-Type: text/plain; charset=utf-8\r\nHost: hacker.exploit.com\r\nConnection: keep-alive\r\nContent-Length: 10\r\nTransfer-Encoding: ${te}\r\n\r\nHELLOWORLD${SMUGGLED}`;
const AFTER_CL_23 = '\r\n\r\nGET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n';
// Node's maxHeaderSize, which aiots keeps as its default.
const MAX_HEADER = 16384;
const COOKIE = 'Cookie: ';

export const NODE_CASES: readonly Case[] = [
  {
    source: `${P}test-http-chunked-smuggling.js: bare LF after a chunk extension hides GET /admin`,
    send: 'GET / HTTP/1.1\r\nHost: localhost:8080\r\nTransfer-Encoding: chunked\r\n\r\n2;\nxx\r\n4c\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: localhost:8080\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    fate: [400, 'close'],
    note: 'Node starts the handler of GET / at its head; its body never completes, so the handler never answers and /admin never runs',
  },
  {
    source: `${P}test-http-transfer-encoding-smuggling.js: Transfer-Encoding chunked then chunked-false`,
    send: 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked-false\r\nConnection: upgrade\r\n\r\n1\r\nA\r\n0\r\n\r\nGET /flag HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    fate: [400, 'close'],
  },
  {
    source: `${P}test-http-transfer-encoding-smuggling.js: Transfer-Encoding folded onto a second line`,
    send: 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n , chunked-false\r\nConnection: upgrade\r\n\r\n1\r\nA\r\n0\r\n\r\nGET /flag HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    fate: [400, 'close'],
  },
  { source: `${P}test-http-invalid-te.js: Transfer-Encoding eee, chunked with Content-Length`, send: BAD_TE('eee, chunked'), fate: [400, 'close'] },
  {
    source: `${P} (the HPE_UNEXPECTED_CONTENT_LENGTH twin of test-http-invalid-te.js): Transfer-Encoding chunked, eee with Content-Length`,
    send: BAD_TE('chunked, eee'),
    fate: [400, 'close'],
  },
  { source: `${P}test-http-missing-header-separator-cr.js: LF alone ends Dummy, then Content-Length`, send: `GET / HTTP/1.1\r\nHost: localhost\r\nDummy: x\nContent-Length: 23${AFTER_CL_23}`, fate: [400, 'close'] },
  { source: `${P}test-http-missing-header-separator-cr.js: x:x LF Transfer-Encoding`, send: 'POST / HTTP/1.1\r\nHost: localhost\r\nx:x\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\n\r\n', fate: [400, 'close'] },
  { source: `${P}test-http-missing-header-separator-cr.js: empty x: LF Transfer-Encoding`, send: 'POST / HTTP/1.1\r\nHost: localhost\r\nx:\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\n\r\n', fate: [400, 'close'] },
  { source: `${P}test-http-missing-header-separator-lf.js: CR alone ends Dummy, then Content-Length`, send: `GET / HTTP/1.1\r\nHost: localhost\r\nDummy: x\rContent-Length: 23${AFTER_CL_23}`, fate: [400, 'close'] },
  { source: `${P}test-http-missing-header-separator-lf.js: x:x CR Transfer-Encoding`, send: 'POST / HTTP/1.1\r\nHost: localhost\r\nx:x\rTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\n\r\n', fate: [400, 'close'] },
  { source: `${P}test-http-missing-header-separator-lf.js: empty x: CR Transfer-Encoding`, send: 'POST / HTTP/1.1\r\nHost: localhost\r\nx:\rTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\n\r\n', fate: [400, 'close'] },
  { source: `${P}test-http-double-content-length.js: Content-Length 1 and 2`, send: 'GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', fate: [400, 'close'] },
  {
    source: `${P}test-http-chunk-extensions-limit.js: 17,000 bytes of chunk extension at once`,
    send: `GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2;${'a'.repeat(17000)}\r\nAA\r\n0\r\n\r\n`,
    fate: [413, 'close'],
    note: 'Node counts chunk-extension bytes (16 KiB); the handler started at the head never gets its body',
  },
  {
    source: `${P}test-http-chunk-extensions-limit.js: the same extension in three writes`,
    send: ['GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2;', 'A'.repeat(8500), `${'A'.repeat(8500)}\r\nAA\r\n0\r\n\r\n`],
    fate: [413, 'close'],
  },
  {
    source: `${P}test-http-chunk-extensions-limit.js: the limit is per chunk (three 10,000-byte extensions)`,
    send: `PUT / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${`2;${'A'.repeat(10000)}=bar\r\nAA\r\n`.repeat(3)}0\r\n\r\n`,
    fate: [200],
    calls: [{ method: 'PUT', url: '/', body: 'AAAAAA' }],
  },
  {
    source: `${P}test-http-header-overflow.js: head one byte past maxHeaderSize`,
    send: `GET /blah HTTP/1.1\r\n${COOKIE}${'a'.repeat(MAX_HEADER - COOKIE.length - 4 + 1)}\r\n\r\n`,
    fate: [431, 'close'],
  },
  {
    source: `${P}test-http-pipeline-flood.js: 2,000 pipelined GETs in one write, answered in order`,
    send: 'GET / HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n'.repeat(2000),
    fate: new Array<number>(2000).fill(200),
    calls: new Array(2000).fill({ method: 'GET', url: '/', body: '' }),
    note: 'Node writes 10,240 requests until the socket is full; the memory side of the flood is bench/stress territory',
  },
];

let srv: CorpusServer;
before(async () => {
  srv = await startCorpusServer();
});
after(() => srv.close());

for (const c of NODE_CASES) test(c.source, () => runCase(srv, c));

// test-http-response-splitting.js: a handler that copies client input into a
// response header cannot split the response; aiots refuses the value when it
// is set, so the client gets a 500 and no injected header.
test(`${P}test-http-response-splitting.js: CRLF smuggled into response headers`, async () => {
  const app = new web.Application();
  app.router.addGet('/welcome', async (r) => {
    throw new web.HTTPFound(`/foo?lang=${r.query.get('lang') ?? ''}`);
  });
  app.router.addGet('/header', async (r) => new web.Response({ text: 'ok', headers: { foo: r.query.get('v') ?? '' } }));
  const logged: string[] = [];
  const server = new TestServer(app, { errorLog: (m) => logged.push(m) });
  await server.start();
  try {
    const lang = 'bar%c4%8d%c4%8aContentLength:%200%c4%8d%c4%8a%c4%8d%c4%8aHTTP/1.1%20200%20OK%c4%8d%c4%8aContentLength:%2020%c4%8d%c4%8aLastModified:%20Mon,%2027%20Oct%202003%2014:50:18%20GMT%c4%8d%c4%8aContentType:%20text/html%c4%8d%c4%8a%c4%8d%c4%8a%3chtml%3eGotcha!%3c/html%3e';
    const targets = [`/welcome?lang=${lang}`, `/header?v=${encodeURIComponent('fooഊSet-Cookie: foo=barഊഊ<script>alert("Hi!")</script>')}`, `/header?v=${encodeURIComponent('foo⠊Set-Cookie: foo=bar')}`, `/header?v=${encodeURIComponent('a\r\nSet-Cookie: foo=bar')}`];
    for (const target of targets) {
      const raw = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.ok([302, 500].includes(statusOf(raw)), raw);
      assert.doesNotMatch(raw, /\r\n(Set-Cookie|ContentLength|LastModified):/i, 'a header was injected');
      assert.doesNotMatch(raw, /<html>|<script>/, 'a body was injected');
    }
  } finally {
    await server.close();
  }
});
