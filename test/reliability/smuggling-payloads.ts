/**
 * Request-smuggling payloads, as data: raw request bytes (latin1), each
 * naming where the case comes from. The cases are ported from public
 * material (Node core's test/parallel smuggling tests, llhttp's
 * test/request/*.md, aiohttp's tests/test_http_parser.py, HTTP Garden's
 * TROPHIES.md, PortSwigger's CL.TE / TE.CL / TE.TE research) and written
 * afresh here.
 *
 * Each payload hides a request to `/smuggled-00` where a reader that follows
 * RFC 9112 sees body bytes (or an invalid message), not a request: a handler
 * behind a front end must never see it. Where the inner request is, by the
 * RFC, a request of its own (pipelined after a body of length 0, after a
 * refused upgrade), it goes to `/pipelined-00` instead: the front end may
 * forward it, but only as a request it saw itself. The outer request line
 * targets `/`. (The test sends it to `/c/<n>` and replaces `00` with an id of
 * the same width: no Content-Length or chunk size changes.)
 */

export interface SmugglingPayload {
  /** Short unique name, used in test names and the docs table. */
  readonly name: string;
  /** Where the case comes from. */
  readonly source: string;
  /** The bytes sent, as a latin1 string. */
  readonly bytes: string;
}

const SMUGGLED = 'GET /smuggled-00 HTTP/1.1\r\nHost: a\r\n\r\n';
const PIPELINED = 'GET /pipelined-00 HTTP/1.1\r\nHost: a\r\n\r\n';

/** One chunk of chunked coding. */
const chunk = (data: string): string => `${data.length.toString(16)}\r\n${data}\r\n`;

const NODE = 'Node core test/parallel';
const LLHTTP_TE = 'llhttp test/request/transfer-encoding.md';
const LLHTTP_CL = 'llhttp test/request/content-length.md';
const LLHTTP_INVALID = 'llhttp test/request/invalid.md';
const AIOHTTP = 'aiohttp tests/test_http_parser.py';
const GARDEN = 'HTTP Garden TROPHIES.md';
const PORTSWIGGER = 'PortSwigger, HTTP desync attacks';

/**
 * The Transfer-Encoding obfuscations (TE.TE): header lines that one parser
 * may take for `Transfer-Encoding: chunked` and another may not.
 */
const TE_OBFUSCATIONS: readonly { name: string; source: string; line: string; notTe?: true }[] = [
  { name: 'xchunked', source: PORTSWIGGER, line: 'Transfer-Encoding: xchunked' },
  { name: 'chunked-identity', source: `${PORTSWIGGER}; ${LLHTTP_TE} "chunked before other transfer coding names"`, line: 'Transfer-Encoding: chunked, identity' },
  { name: 'identity-chunked', source: PORTSWIGGER, line: 'Transfer-Encoding: identity, chunked' },
  { name: 'chunked-eee', source: `${NODE}/test-http-transfer-encoding-smuggling.js`, line: 'Transfer-Encoding: chunked, eee' },
  { name: 'eee-chunked', source: `${NODE}/test-http-invalid-te.js (HackerOne 735748)`, line: 'Transfer-Encoding: eee, chunked' },
  { name: 'chunked123', source: AIOHTTP, line: 'Transfer-Encoding: chunked123' },
  { name: 'comma-chunked', source: `${GARDEN} server bug 21, transducer bugs 9, 15, 18`, line: 'Transfer-Encoding: ,chunked' },
  { name: 'quoted', source: PORTSWIGGER, line: 'Transfer-Encoding: "chunked"' },
  { name: 'uppercase', source: PORTSWIGGER, line: 'Transfer-Encoding: CHUNKED' },
  { name: 'space-before-colon', source: `${PORTSWIGGER}; ${LLHTTP_CL} "invalid whitespace token"`, line: 'Transfer-Encoding : chunked' },
  { name: 'tab-before-colon', source: PORTSWIGGER, line: 'Transfer-Encoding\t: chunked' },
  { name: 'tab-value', source: PORTSWIGGER, line: 'Transfer-Encoding:\tchunked' },
  { name: 'vtab-value', source: PORTSWIGGER, line: 'Transfer-Encoding:\x0bchunked' },
  { name: 'nbsp-value', source: `${GARDEN} server bug 12`, line: 'Transfer-Encoding: \xa0chunked\xa0' },
  { name: 'obs-fold', source: `${PORTSWIGGER}; ${LLHTTP_TE} "invalid OBS fold after chunked value"; ${AIOHTTP} (obsolete line folding)`, line: 'Transfer-Encoding:\r\n chunked' },
  { name: 'obs-fold-after', source: LLHTTP_TE, line: 'Transfer-Encoding: chunked\r\n , identity' },
  { name: 'duplicate-te', source: `${PORTSWIGGER}; ${LLHTTP_TE} "duplicate transfer-encoding"`, line: 'Transfer-Encoding: chunked\r\nTransfer-Encoding: x' },
  { name: 'duplicate-te-chunked', source: `${GARDEN} server bug 11`, line: 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked' },
  { name: 'leading-space-line', source: `${GARDEN} server bug 4`, line: ' Transfer-Encoding: chunked' },
  // A valid name of another header: by the RFC, Content-Length frames the message.
  { name: 'underscore-name', source: PORTSWIGGER, line: 'Transfer_Encoding: chunked', notTe: true },
  { name: 'split-name', source: `${GARDEN} server bug 37`, line: 'Transfer-\r\nEncoding: chunked' },
  { name: 'bare-lf-before', source: `${NODE}/test-http-missing-header-separator-lf.js`, line: 'X-A: 1\nTransfer-Encoding: chunked' },
  { name: 'bare-cr-before', source: `${NODE}/test-http-missing-header-separator-cr.js; ${GARDEN} server bug 13`, line: 'X-A: 1\rTransfer-Encoding: chunked' },
];

/** CL.TE: a reader of Content-Length forwards it all; a reader of chunked stops at `0` and sees the rest as a request. */
function clTe(te: string): string {
  const body = `0\r\n\r\n${SMUGGLED}`;
  return `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n${te}\r\n\r\n${body}`;
}

/** TE.CL: a reader of chunked forwards one chunk; a reader of Content-Length: 4 sees the chunk's data as a request. */
function teCl(te: string, inner = SMUGGLED): string {
  const data = `${inner}X`;
  return `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n${te}\r\n\r\n${chunk(data)}0\r\n\r\n`;
}

/** A body of `Z` then the smuggled request, framed by `cl`, a Content-Length line that may be read as 1 or as the whole. */
function clBody(lines: string, body = `Z${SMUGGLED}`): string {
  return `POST / HTTP/1.1\r\nHost: a\r\n${lines}\r\n\r\n${body}`;
}

const WHOLE = `Z${SMUGGLED}`.length;

export const PAYLOADS: readonly SmugglingPayload[] = [
  // The two classics with an honest Transfer-Encoding.
  { name: 'cl-te', source: PORTSWIGGER, bytes: clTe('Transfer-Encoding: chunked') },
  { name: 'te-cl', source: PORTSWIGGER, bytes: teCl('Transfer-Encoding: chunked') },
  {
    name: 'cl-te-node-hackerone',
    source: `${NODE}/test-http-request-smuggling-content-length.js`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nContent-Length: ${`0\r\n\r\n${SMUGGLED}`.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'te-identity-with-cl',
    source: `${LLHTTP_CL} "simultaneous Content-Length and Transfer-Encoding: identity"`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: identity\r\n\r\nZ${SMUGGLED}`,
  },
  // TE.TE: each obfuscation, with the body framed for CL.TE and for TE.CL.
  ...TE_OBFUSCATIONS.flatMap((o) => [
    { name: `te-${o.name}/cl.te`, source: o.source, bytes: clTe(o.line) },
    { name: `te-${o.name}/te.cl`, source: o.source, bytes: teCl(o.line, o.notTe ? PIPELINED : SMUGGLED) },
  ]),

  // Content-Length obfuscations: a front end reading 1 (or the whole) where aiots reads the other.
  { name: 'cl-plus', source: `${GARDEN} server bug 10; ${AIOHTTP}`, bytes: clBody(`Content-Length: +${WHOLE}`) },
  { name: 'cl-minus', source: `${GARDEN} server bug 26`, bytes: clBody('Content-Length: -1') },
  { name: 'cl-leading-spaces', source: LLHTTP_CL, bytes: clBody(`Content-Length:    ${WHOLE}   `) },
  { name: 'cl-space-inside', source: `${LLHTTP_CL} "spaces in Content-Length"`, bytes: clBody(`Content-Length: 1 ${WHOLE - 10}`) },
  { name: 'cl-leading-zeros', source: `${GARDEN} server bug 32`, bytes: clBody(`Content-Length: 000${WHOLE}`) },
  { name: 'cl-hex', source: `${GARDEN} transducer bug 1`, bytes: clBody(`Content-Length: 0x${WHOLE.toString(16)}`) },
  { name: 'cl-underscore', source: `${GARDEN} server bug 10`, bytes: clBody(`Content-Length: 1_${WHOLE - 10}`) },
  { name: 'cl-trailing-garbage', source: `${GARDEN} server bug 29`, bytes: clBody('Content-Length: 1Z') },
  { name: 'cl-list', source: LLHTTP_CL, bytes: clBody(`Content-Length: 1, ${WHOLE}`) },
  { name: 'cl-same-list', source: LLHTTP_CL, bytes: clBody(`Content-Length: ${WHOLE}, ${WHOLE}`) },
  { name: 'cl-duplicate-1-then-whole', source: `${NODE}/test-http-double-content-length.js; ${GARDEN} server bug 23`, bytes: clBody(`Content-Length: 1\r\nContent-Length: ${WHOLE}`) },
  { name: 'cl-duplicate-whole-then-1', source: `${GARDEN} server bug 33`, bytes: clBody(`Content-Length: ${WHOLE}\r\nContent-Length: 1`) },
  { name: 'cl-empty-then-value', source: `${GARDEN} server bug 42, transducer bug 11 (HAProxy CVE-2023-40225)`, bytes: clBody(`Content-Length: \r\nContent-Length: ${WHOLE}`, `${SMUGGLED}Z`) },
  { name: 'cl-empty', source: `${GARDEN} server bugs 16, 38`, bytes: clBody('Content-Length: ', SMUGGLED) },
  { name: 'cl-space-before-colon', source: `${GARDEN} server bug 3; ${LLHTTP_CL} "invalid whitespace token"`, bytes: clBody(`Content-Length : ${WHOLE}`, SMUGGLED) },
  { name: 'cl-no-colon', source: `${GARDEN} server bug 28`, bytes: clBody(`Content-Length ${WHOLE}`, SMUGGLED) },
  { name: 'cl-nel-name', source: `${GARDEN} server bug 20`, bytes: clBody(`Content-Length\x85: ${WHOLE}`, SMUGGLED) },
  { name: 'cl-overflow', source: `${LLHTTP_CL} "Content-Length overflow"`, bytes: clBody('Content-Length: 18446744073709551617') },
  { name: 'cl-obs-fold', source: `${AIOHTTP} (obsolete line folding)`, bytes: clBody(`Content-Length: 1\r\n ${WHOLE - 1}`) },

  // Chunked bodies a lax parser ends early or late.
  {
    name: 'chunk-size-overflow',
    source: `${LLHTTP_TE} "chunk size overflow"`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000001\r\nZ\r\n0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-size-0x',
    source: `${GARDEN} server bug 25, transducer bug 19`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x${(SMUGGLED.length).toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`,
  },
  {
    name: 'chunk-size-underscore',
    source: `${GARDEN} server bugs 1, 22`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0_2e\r\n\r\n${SMUGGLED}0\r\n\r\n`,
  },
  {
    name: 'chunk-size-plus',
    source: `${GARDEN} server bug 25`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-size-space',
    source: `${LLHTTP_TE} "space after chunk header"`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0 \r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-size-garbage-suffix',
    source: `${GARDEN} transducer bug 7`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0these-bytes-are-not-hex\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-ext-bare-lf',
    source: `${LLHTTP_TE} (chunk extensions); ${NODE}/test-http-chunk-extensions-limit.js`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b\n0\r\n\r\n\r\n${SMUGGLED}0\r\n\r\n`,
  },
  {
    name: 'chunk-ext-bare-cr',
    source: `${GARDEN} server bug 31 (Node), transducer bug 3`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\r;a\r\n0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-ext-long',
    source: `${NODE}/test-http-chunk-extensions-limit.js`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(20_000)}\r\nZ\r\n0\r\n\r\n`,
  },
  {
    name: 'chunk-data-bare-lf',
    source: `${GARDEN} transducer bug 13`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\n0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-data-too-long',
    source: `${AIOHTTP} (bad chunked); ${GARDEN} server bug 47`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZZZ\r\n0\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-invalid-line',
    source: `${GARDEN} server bug 47, transducer bug 2`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nINVALID!!!\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-empty-size',
    source: `${GARDEN} server bug 17`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'chunk-extra-crlf',
    source: `${GARDEN} transducer bug 17`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${(`0\r\n\r\n${SMUGGLED}`.length).toString(16)}\r\n0\r\n\r\n${SMUGGLED}\r\n\r\n0\r\n\r\n`,
  },
  {
    name: 'chunk-trailer-colon',
    source: `${GARDEN} server bug 39`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX:GET /smuggled-00 HTTP/1.1\r\n\r\n`,
  },
  {
    name: 'request-in-chunk-data',
    source: `${PORTSWIGGER} (a request carried as body data)`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(SMUGGLED)}0\r\n\r\n`,
  },
  {
    name: 'request-in-cl-body',
    source: PORTSWIGGER,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  },

  // Line endings and header-block boundaries.
  {
    name: 'lf-only-cl-te',
    source: `${GARDEN} transducer bug 16; ${AIOHTTP} (bare LF)`,
    bytes: clTe('Transfer-Encoding: chunked').replace(/\r\n/g, '\n'),
  },
  {
    name: 'lf-only-te-cl',
    source: `${GARDEN} transducer bug 16`,
    bytes: teCl('Transfer-Encoding: chunked').replace(/\r\n/g, '\n'),
  },
  {
    name: 'empty-value-lf-lf',
    // RFC 9112 lets a recipient take a bare LF for the end of a field line: the inner request may be read as pipelined.
    source: `${GARDEN} server bug 19`,
    bytes: `GET / HTTP/1.1\r\nHost: a\r\nUseless:\n\n${PIPELINED}`,
  },
  {
    name: 'cr-ends-header-block',
    source: `${GARDEN} server bug 30 (Node, HackerOne 2054283)`,
    bytes: 'GET / HTTP/1.1\r\nHost: a\r\n\rZGET /smuggled-00: HTTP/1.1\r\nHost: a\r\n\r\n',
  },
  {
    name: 'bare-cr-in-value',
    source: `${GARDEN} server bug 34, transducer bug 10`,
    bytes: `GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'nul-in-value',
    source: `${GARDEN} server bug 2, transducer bug 12`,
    bytes: `GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'empty-header-name',
    source: `${GARDEN} server bugs 18, 27`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\n:\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'lf-in-request-line',
    source: `${GARDEN} server bug 9; ${LLHTTP_INVALID}`,
    bytes: `GET /\nHTTP/1.1\r\nHost: a\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  },

  // Methods and versions.
  {
    name: 'get-with-cl-body',
    source: `${PORTSWIGGER} (GET with a body)`,
    bytes: `GET / HTTP/1.1\r\nHost: a\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'get-with-chunked-body',
    source: `${PORTSWIGGER} (GET with a body)`,
    bytes: `GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(SMUGGLED)}0\r\n\r\n`,
  },
  {
    name: 'head-with-cl-body',
    source: PORTSWIGGER,
    bytes: `HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  },
  {
    name: 'cl-0-then-request',
    source: `${GARDEN} server bug 48; ${PORTSWIGGER} (CL.0)`,
    bytes: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n${PIPELINED}`,
  },
  {
    name: 'http10-keepalive-te',
    source: `${AIOHTTP} (HTTP/1.0 with Transfer-Encoding); RFC 9112 section 6.1`,
    bytes: `POST / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(SMUGGLED)}0\r\n\r\n`,
  },
  {
    name: 'http10-keepalive-cl-te',
    source: `${AIOHTTP} (HTTP/1.0 with Transfer-Encoding)`,
    bytes: clTe('Transfer-Encoding: chunked').replace('HTTP/1.1', 'HTTP/1.0').replace('Host: a\r\n', 'Host: a\r\nConnection: keep-alive\r\n'),
  },
  {
    name: 'websocket-upgrade-refused',
    source: '0ang3el, WebSocket smuggling (a refused upgrade taken for a tunnel)',
    bytes: 'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 1337\r\n'
      + `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n${PIPELINED}`,
  },
  {
    name: 'h2c-upgrade',
    source: 'BishopFox, h2c smuggling',
    bytes: `GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n${PIPELINED}`,
  },
];
