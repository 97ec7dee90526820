// HTTP Garden's trophies (narfindustries/http-garden TROPHIES.md, "Server
// Bugs") found in aiohttp or in Node/llhttp, ported as raw-byte cases: each
// payload was once accepted and misread by one of the two; aiots (on Node's
// parser, plus its own checks) must refuse every one before a handler runs.
// Payloads on HTTP/1.1 without a Host get `Host: a`, so that the case tests
// the trophy and not Node's missing-Host check.
import { after, before, test } from 'node:test';
import { runCase, startCorpusServer, type Case, type CorpusServer } from './raw-harness.js';

const G = 'narfindustries/http-garden TROPHIES.md, Server Bugs';

export const GARDEN_CASES: readonly Case[] = [
  {
    source: `${G} #1 (aiohttp): chunk size parsed by int(), 0_2e`,
    send: 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0_2e\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
    fate: [400, 'close'],
  },
  { source: `${G} #2 (aiohttp): NUL and CR in a header value`, send: 'GET / HTTP/1.1\r\nHost: a\r\nHeader: v\x00\ralue\r\n\r\n', fate: [400, 'close'] },
  {
    source: `${G} #3 (aiohttp): whitespace before the colon of Content-Length`,
    send: 'GET / HTTP/1.1\r\nHost: whatever\r\nContent-Length : 34\r\n\r\nGET / HTTP/1.1\r\nHost: whatever\r\n\r\n',
    fate: [400, 'close'],
  },
  { source: `${G} #4 (aiohttp): whitespace before the first header name (Host added after it)`, send: 'GET / HTTP/1.1\r\n\tContent-Length: 1\r\nHost: a\r\n\r\nX', fate: [400, 'close'] },
  { source: `${G} #5 (aiohttp): version read as its longest valid prefix (Host added)`, send: 'GET /test HTTP/1.32\r\nHost: a\r\n\r\n', fate: [400, 'close'] },
  { source: `${G} #6 (aiohttp): method read as its longest valid prefix (Host added)`, send: 'G=":<>(e),[T];?" /get HTTP/1.1\r\nHost: a\r\n\r\n', fate: [400, 'close'] },
  {
    source: `${G} #7 (aiohttp): target not validated (Host added)`,
    send: 'GET ! HTTP/1.1\r\nHost: a\r\n\r\n',
    fate: [400, 'close'],
    note: 'llhttp takes `!`; aiots refuses a target that is neither a path nor absolute',
  },
  { source: `${G} #8 (aiohttp): non-ASCII byte in a header name (Host added)`, send: 'GET / HTTP/1.1\r\nHost: a\r\n\xefoo: bar\r\n\r\n', fate: [400, 'close'] },
  { source: `${G} #9 (aiohttp): LF as whitespace in the request line (Host added)`, send: 'GET /\nHTTP/1.1\r\nHost: a\r\n\r\n', fate: [400, 'close'] },
  { source: `${G} #10 (aiohttp): Content-Length parsed by int(), +1_0`, send: 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1_0\r\n\r\n0123456789', fate: [400, 'close'] },
  { source: `${G} #18 (Node.js, llhttp#257): empty header name`, send: 'GET / HTTP/1.1\r\n: ignored\r\nHost: whatever\r\n\r\n', fate: [400, 'close'] },
  { source: `${G} #30 (Node.js): header block ended by CR and any byte`, send: 'GET / HTTP/1.1\r\nHost: a\r\n\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n', fate: [400, 'close'] },
  {
    source: `${G} #31 (Node.js): chunk line ended by CR and any byte`,
    send: 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\r;ABCD\r\n34\r\nE\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
    fate: [400, 'close'],
  },
];

let srv: CorpusServer;
before(async () => {
  srv = await startCorpusServer();
});
after(() => srv.close());

for (const c of GARDEN_CASES) test(c.source, () => runCase(srv, c));
