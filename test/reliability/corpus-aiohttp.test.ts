// aiohttp's request-parser tests (aio-libs/aiohttp tests/test_http_parser.py),
// ported as raw-byte cases against a running aiots server. aiohttp's parser
// refuses each "rejected" case; aiots must refuse it too (a 4xx, the handler
// never called). Where aiohttp refuses and Node accepts, the case says what
// aiots decided and why.
import { after, before, test } from 'node:test';
import { runCase, startCorpusServer, type Call, type Case, type CorpusServer } from './raw-harness.js';

const T = 'aio-libs/aiohttp tests/test_http_parser.py::';
const TEST: Call = { method: 'GET', url: '/test', body: '' };
const refused = (source: string, send: string, status = 400): Case => ({ source, send, fate: [status, 'close'] });
// Header lines aiohttp's test_bad_headers refuses, sent after `Host: a` (latin1 strings: UTF-8 written out as bytes).
const BAD_HEADERS: readonly [string, string][] = [
  ['Content-Length: -5', 'negative Content-Length'],
  ['Content-Length: +256', 'signed Content-Length'],
  ['Content-Length: \xc2\xb9', 'SUPERSCRIPT ONE as a length'],
  ['Content-Length: \xf0\x9d\x9f\x99', 'MATHEMATICAL DOUBLE-STRUCK DIGIT ONE as a length'],
  ['Foo: abc\rdef', 'CR inside a value'],
  ['Bar: abc\ndef', 'LF inside a value'],
  ['Baz: abc\x00def', 'NUL inside a value'],
  ['Foo : bar', 'space before the colon'],
  ['Foo\t: bar', 'tab before the colon'],
  ['\xffoo: bar', 'byte 0xff in a name'],
  ['Foo: abc\x01def', 'CTL 0x01 in a value'],
  ['Foo: abc\x7fdef', 'DEL in a value'],
  ['Foo: abc\x1fdef', 'CTL 0x1f in a value'],
];
// test_invalid_header_spacing's pads, around an empty or non-empty name.
const PADS: readonly [string, string][] = [
  ['', 'empty'],
  ['\x00', 'NUL'],
  [' ', 'SP'],
  ['  ', 'SPSP'],
  ['\n', 'LF'],
  ['\xa0', 'NBSP'],
  ['\t ', 'TABSP'],
];
// RFC 9110 §5.6.2 delimiters, which aiohttp refuses in names and methods (':' only splits a name earlier).
const DELIMITERS = '"(),/;<=>?@[\\]{}';

export const AIOHTTP_CASES: readonly Case[] = [
  refused(`${T}test_reject_obsolete_line_folding`, 'GET /test HTTP/1.1\r\nHost: a\r\ntest: line\r\n Content-Length: 48\r\ntest2: data\r\n\r\n'),
  refused(`${T}test_invalid_character (0x01 in Set-Cookie)`, 'POST / HTTP/1.1\r\nHost: localhost:8080\r\nSet-Cookie: abc\x01def\r\n\r\n'),
  refused(`${T}test_invalid_linebreak (LF alone ends Host)`, 'GET /world HTTP/1.1\r\nHost: 127.0.0.1\n\r\n'),
  refused(`${T}test_reject_bare_lf_at_point_seen[request_line]`, 'GET /attacker HTTP/1.1\nHost: a\nX-Foo: bar\n\n'),
  refused(`${T}test_reject_bare_lf_at_point_seen[chunk_size]`, 'POST /attacker HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\n'),
  refused(`${T}test_reject_bare_lf_at_point_seen[trailer]`, 'POST /attacker HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: bad\n'),
  refused(`${T}test_cve_2023_37276`, 'POST / HTTP/1.1\r\nHost: localhost:8080\r\nX-Abc: \rxTransfer-Encoding: chunked\r\n\r\n'),
  ...[...DELIMITERS].map((d) => refused(`${T}test_bad_header_name[${d}]`, `POST / HTTP/1.1\r\nHost: a\r\nhead${d}er: val\r\n\r\n`)),
  {
    source: `${T}test_bad_header_name[:]`,
    send: 'POST / HTTP/1.1\r\nHost: a\r\nhead:er: val\r\n\r\n',
    fate: [200],
    calls: [{ method: 'POST', url: '/', body: '' }],
    note: 'the colon ends the name early: `head` with value `er: val`, as aiohttp',
  },
  ...BAD_HEADERS.map(([line, what]) => refused(`${T}test_bad_headers (${what})`, `POST / HTTP/1.1\r\nHost: a\r\n${line}\r\n\r\n`)),
  refused(`${T}test_ctl_host_header_bad_characters`, 'GET /test HTTP/1.1\r\nHost: trusted.example\x01@bad.test\r\n\r\n'),
  refused(`${T}test_unpaired_surrogate_in_header_py (a line of one 0xff byte)`, 'POST / HTTP/1.1\r\nHost: a\r\n\xff\r\n\r\n'),
  refused(`${T}test_content_length_transfer_encoding`, 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: a\r\n\r\napple\r\n'),
  refused(`${T}test_duplicate_singleton_header_rejected[Content-Length]`, 'GET /test HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'),
  refused(`${T}test_duplicate_singleton_header_rejected[Host]`, 'GET /test HTTP/1.1\r\nHost: example.com\r\nHost: value1\r\nHost: value2\r\n\r\n'),
  refused(`${T}test_duplicate_singleton_header_rejected[Transfer-Encoding]`, 'GET /test HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: value1\r\nTransfer-Encoding: value2\r\n\r\n'),
  ...['Content-Location', 'Content-Range', 'Content-Type', 'ETag', 'Max-Forwards', 'Server', 'User-Agent'].map(
    (h): Case => ({
      source: `${T}test_duplicate_non_security_singleton_header_rejected_strict[${h}]`,
      send: `GET /test HTTP/1.1\r\nHost: example.com\r\n${h}: value1\r\n${h}: value2\r\n\r\n`,
      fate: [200],
      calls: [TEST],
      note: 'accepted, as Node (its `headers` keep the first value): neither value frames the message or names the host, so no proxy in front can read a different request from it',
    }),
  ),
  refused(`${T}test_duplicate_host_header_rejected`, 'GET /admin HTTP/1.1\r\nHost: admin.example\r\nHost: public.example\r\n\r\n'),
  refused(`${T}test_missing_host_header_rejected`, 'GET /admin HTTP/1.1\r\n\r\n'),
  refused(`${T}test_duplicate_singleton_header_different_casing_rejected[content-length-Content-Length]`, 'GET /test HTTP/1.1\r\nHost: example.com\r\ncontent-length: 1\r\nContent-Length: 2\r\n\r\n'),
  refused(`${T}test_duplicate_singleton_header_different_casing_rejected[Content-Length-content-length]`, 'GET /test HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\n'),
  refused(`${T}test_duplicate_singleton_header_different_casing_rejected[transfer-encoding-Transfer-Encoding]`, 'GET /test HTTP/1.1\r\nHost: example.com\r\ntransfer-encoding: v1\r\nTransfer-Encoding: v2\r\n\r\n'),
  refused(`${T}test_duplicate_singleton_header_different_casing_rejected[Transfer-Encoding-transfer-encoding]`, 'GET /test HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: v1\r\ntransfer-encoding: v2\r\n\r\n'),
  refused(`${T}test_duplicate_host_header_different_casing_rejected`, 'GET /test HTTP/1.1\r\nhost: evil.example\r\nHost: good.example\r\n\r\n'),
  refused(`${T}test_bad_chunked (0_2e as a chunk size)`, 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0_2e\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n0\r\n\r\n'),
  refused(`${T}test_whitespace_before_header`, 'GET / HTTP/1.1\r\nHost: a\r\n\tContent-Length: 1\r\n\r\nX'),
  {
    source: `${T}test_whitespace_around_header_value`,
    send: 'GET /test HTTP/1.1\r\nHost: a\r\ntest: \t value \t \r\n\r\n',
    fate: [200],
    calls: [TEST],
  },
  refused(`${T}test_request_te_chunked_with_content_length`, 'GET /test HTTP/1.1\r\nHost: a\r\ncontent-length: 1234\r\ntransfer-encoding: chunked\r\n\r\n'),
  refused(`${T}test_request_te_chunked123`, 'GET /test HTTP/1.1\r\nHost: a\r\ntransfer-encoding: chunked123\r\n\r\n'),
  refused(`${T}test_request_te_empty_list_invalid`, 'GET /test HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,  \t ,\r\n\r\n'),
  {
    source: `${T}test_request_te_last_chunked`,
    send: 'GET /test HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: not, chunked\r\n\r\n1\r\nT\r\n3\r\nest\r\n0\r\n\r\n',
    fate: [200],
    calls: [{ method: 'GET', url: '/test', body: 'Test' }],
  },
  refused(`${T}test_request_te_first_chunked`, 'GET /test HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, not\r\n\r\n1\r\nT\r\n3\r\nest\r\n0\r\n\r\n'),
  refused(`${T}test_request_te_duplicate_chunked`, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n'),
  {
    source: `${T}test_bad_upgrade (Connection: upgrade without Upgrade)`,
    send: 'GET /test HTTP/1.1\r\nHost: a\r\nconnection: upgrade\r\n\r\n',
    fate: [200],
    calls: [TEST],
  },
  refused(`${T}test_headers_content_length_err_1`, 'GET /test HTTP/1.1\r\nHost: a\r\ncontent-length: line\r\n\r\n'),
  refused(`${T}test_headers_content_length_err_2`, 'GET /test HTTP/1.1\r\nHost: a\r\ncontent-length: -1\r\n\r\n'),
  ...PADS.flatMap(([pad1, n1]) =>
    PADS.flatMap(([pad2, n2]) =>
      ['', 'foo'].map((name): Case => {
        const send = `GET /test HTTP/1.1\r\nHost: a\r\n${pad1}${name}${pad2}: value\r\n\r\n`;
        const source = `${T}test_invalid_header_spacing[pre-${n1}-post-${n2}-${name === '' ? 'name-empty' : 'with-name'}]`;
        return pad1 === '' && pad2 === '' && name !== '' ? { source, send, fate: [200], calls: [TEST] } : refused(source, send);
      }),
    ),
  ),
  refused(`${T}test_empty_header_name`, 'GET /test HTTP/1.1\r\nHost: a\r\n:test\r\n\r\n'),
  refused(`${T}test_invalid_header`, 'GET /test HTTP/1.1\r\nHost: a\r\ntest line\r\n\r\n'),
  refused(`${T}test_invalid_name`, 'GET /test HTTP/1.1\r\nHost: a\r\ntest[]: line\r\n\r\n'),
  ...[...DELIMITERS, ':'].map((d) => refused(`${T}test_http_request_parser_bad_method[${d}]`, `${d}ET" /get HTTP/1.1\r\nHost: a\r\n\r\n`)),
  refused(`${T}test_http_request_parser_tls_handshake_on_http_port`, '\x16\x03\x03\x01F\x01\r\n\r\n'),
  refused(`${T}test_http_request_parser_bad_version`, 'GET //get HT/11\r\nHost: a\r\n\r\n'),
  refused(`${T}test_http_request_parser_bad_version_number`, 'GET /test HTTP/1.32\r\nHost: a\r\n\r\n'),
  {
    source: `${T}test_http_request_parser_bad_ascii_uri (Host added)`,
    send: 'GET ! HTTP/1.1\r\nHost: a\r\n\r\n',
    fate: [400, 'close'],
    note: 'llhttp takes `!` as a target; aiots refuses a target that is neither a path nor absolute',
  },
  refused(`${T}test_http_request_parser_bad_nonascii_uri (Host added)`, 'GET \xff HTTP/1.1\r\nHost: a\r\n\r\n'),
  {
    source: `${T}test_http_request_max_status_line[8191]`,
    send: `GET /${'t'.repeat(8191 - 5)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    fate: [200],
    calls: [{ method: 'GET', url: `/${'t'.repeat(8191 - 5)}`, body: '' }],
    note: 'accepted: aiohttp bounds the request line (8,190 bytes), aiots the target (8,190 bytes, 414 past it) and the whole head (maxHeaderSize); an 8,187-byte target is within both, and a length limit is no smuggling risk',
  },
  {
    source: `${T}test_http_request_max_status_line[40965]`,
    send: `GET /${'t'.repeat(40965 - 5)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    fate: [431, 'close'],
    note: 'past maxHeaderSize (16 KiB) Node answers 431 before the target is known',
  },
  refused(`${T}test_request_chunked_reject_bad_trailer`, 'GET /test HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad\ntrailer\r\n\r\n'),
  {
    source: `${T}test_parse_no_length_or_te_on_post`,
    send: 'POST /test HTTP/1.1\r\nHost: a\r\n\r\n',
    fate: [200],
    calls: [{ method: 'POST', url: '/test', body: '' }],
  },
  refused(
    `${T}test_parse_chunked_payload_with_lf_in_extensions`,
    'GET / HTTP/1.1\r\nHost: localhost:5001\r\nTransfer-Encoding: chunked\r\n\r\n2;\nxx\r\n4c\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: localhost:5001\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  ),
  {
    source: `${T}test_partial_url (the target split across two writes)`,
    send: ['GET /te', 'st HTTP/1.1\r\nHost: a\r\n\r\n'],
    fate: [200],
    calls: [TEST],
  },
  refused(`${T}test_parse_unusual_request_line (C parser)`, '#smol //a HTTP/1.3\r\n\r\n'),
];

let srv: CorpusServer;
before(async () => {
  srv = await startCorpusServer();
});
after(() => srv.close());

for (const c of AIOHTTP_CASES) test(c.source, () => runCase(srv, c));
