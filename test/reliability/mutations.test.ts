// HTTP Garden's request mutations (narfindustries/http-garden,
// tools/mutations.py), written afresh as fast-check generators: seed
// requests, then byte deletions, insertions and replacements, meaningful
// bytes (CR, LF, NUL, ':', tab, space), header deletion/insertion/
// replacement from a list of seed headers, method replacement, whole
// requests inserted, deleted, concatenated or with their boundary moved,
// plus case changes and whitespace insertions. Fed to a real aiots server,
// they must never crash it, never make it log at error level or answer 500,
// always get statuses or a close, reach the handler only as well-formed
// requests, and leave the server serving.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import * as web from '../../src/web/index.js';
import { TestServer } from '../../src/testing/index.js';
import { checkProperty } from './fuzz-runs.js';
import { exchange, splitAt, statuses } from './raw-http.js';

// The seeds, as in the Garden: a bare GET, a POST with a length, a chunked POST.
const SEEDS = [
  'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'POST /p?q=1 HTTP/1.1\r\nContent-Length: 10\r\nHost: b\r\n\r\n0123456789',
  'POST /c HTTP/1.1\r\nHost: c\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5;x=y\r\n56789\r\n0\r\n\r\n',
];
const SEED_HEADERS: readonly [string, string][] = [
  ['Content-Length', '0'], ['Content-Length', '5'], ['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', 'identity'],
  ['', ''], ['Test', ''], ['Connection', 'close'], ['Connection', 'keep-alive'], ['Host', 'z'], ['Expect', '100-continue'],
];
const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'DELETE', 'CONNECT', 'TRACE', 'PATCH', 'get', 'G ET', 'PRI', 'QUERY', ''];
const MEANINGFUL = ['\r\n', '\r', '\n', '\0', ':', '\t', ' ', ';', ',', '\x0b', '\x7f', '\xff'];

// A stream is a list of requests (latin1 strings, one char per byte).
type Stream = string[];
type Mutation = (s: Stream) => Stream;

/** Position `at` (any integer) in the concatenation, as [request index, offset]. */
function locate(s: Stream, at: number, inclusiveEnd: boolean): [number, number] | null {
  const total = s.reduce((n, r) => n + r.length, 0);
  const span = inclusiveEnd ? total + 1 : total;
  if (span === 0) return null;
  let i = at % span;
  for (let k = 0; k < s.length; k++) {
    const len = (s[k] as string).length;
    if (i < len || (inclusiveEnd && k === s.length - 1 && i === len)) return [k, i];
    i -= len;
  }
  return null;
}

function atByte(at: number, inclusiveEnd: boolean, edit: (req: string, i: number) => string): Mutation {
  return (s) => {
    const p = locate(s, at, inclusiveEnd);
    if (p === null) return s;
    const out = s.slice();
    out[p[0]] = edit(s[p[0]] as string, p[1]);
    return out;
  };
}

/** Edit the header lines of request `k` (when it has a head). */
function onHeaders(k: number, edit: (lines: string[]) => string[]): Mutation {
  return (s) => {
    if (s.length === 0) return s;
    const idx = k % s.length;
    const req = s[idx] as string;
    const end = req.indexOf('\r\n\r\n');
    if (end === -1) return s;
    const [start = '', ...lines] = req.slice(0, end).split('\r\n');
    const out = s.slice();
    out[idx] = [start, ...edit(lines)].join('\r\n') + req.slice(end);
    return out;
  };
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((at) => atByte(at, false, (r, i) => r.slice(0, i) + r.slice(i + 1))),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, b]) => atByte(at, false, (r, i) => r.slice(0, i) + String.fromCharCode(b) + r.slice(i + 1))),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, b]) => atByte(at, true, (r, i) => r.slice(0, i) + String.fromCharCode(b) + r.slice(i))),
  fc.tuple(fc.nat(), fc.constantFrom(...MEANINGFUL)).map(([at, m]) => atByte(at, true, (r, i) => r.slice(0, i) + m + r.slice(i))),
  fc.nat().map((at) => atByte(at, false, (r, i) => r.slice(0, i) + r.slice(i, i + 1).repeat(2) + r.slice(i + 1))),
  // Case changes: one character's case flipped (header names, methods, "chunked", "HTTP").
  fc.nat().map((at) => atByte(at, false, (r, i) => {
    const c = r.charAt(i);
    return r.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + r.slice(i + 1);
  })),
  fc.tuple(fc.nat(), fc.nat()).map(([k, at]) => onHeaders(k, (ls) => (ls.length === 0 ? ls : ls.filter((_, i) => i !== at % ls.length)))),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...SEED_HEADERS)).map(([k, at, [n, v]]) => onHeaders(k, (ls) => {
    const i = at % (ls.length + 1);
    return [...ls.slice(0, i), `${n}: ${v}`, ...ls.slice(i)];
  })),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...SEED_HEADERS)).map(([k, at, [n, v]]) => onHeaders(k, (ls) => (ls.length === 0 ? ls : ls.map((l, i) => (i === at % ls.length ? `${n}: ${v}` : l))))),
  // Whitespace around a header's colon or before its name (obs-fold).
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(' ', '\t', '  ')).map(([k, at, w]) => onHeaders(k, (ls) => (ls.length === 0 ? ls : ls.map((l, i) => (i !== at % ls.length ? l : at % 3 === 0 ? w + l : at % 3 === 1 ? l.replace(':', w + ':') : l.replace(':', ':' + w + w)))))),
  fc.tuple(fc.nat(), fc.constantFrom(...METHODS)).map(([k, m]): Mutation => (s) => {
    if (s.length === 0) return s;
    const out = s.slice();
    const idx = k % s.length;
    out[idx] = (s[idx] as string).replace(/^[^ ]*/, m);
    return out;
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...SEEDS)).map(([at, r]): Mutation => (s) => {
    const out = s.slice();
    out.splice(at % (s.length + 1), 0, r);
    return out;
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...SEEDS)).map(([at, r]): Mutation => (s) => (s.length < 2 ? s : s.map((x, i) => (i === at % s.length ? r : x)))),
  fc.nat().map((at): Mutation => (s) => (s.length < 2 ? s : s.filter((_, i) => i !== at % s.length))),
  fc.nat().map((at): Mutation => (s) => {
    if (s.length < 2) return s;
    const i = at % (s.length - 1);
    return [...s.slice(0, i), (s[i] as string) + (s[i + 1] as string), ...s.slice(i + 2)];
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([at, cut]): Mutation => (s) => {
    if (s.length < 2) return s;
    const i = at % (s.length - 1);
    const both = (s[i] as string) + (s[i + 1] as string);
    const c = cut % (both.length + 1);
    return [...s.slice(0, i), both.slice(0, c), both.slice(c), ...s.slice(i + 2)];
  }),
);

const stream: fc.Arbitrary<string> = fc.tuple(
  fc.array(fc.constantFrom(...SEEDS), { minLength: 1, maxLength: 3 }),
  fc.array(mutation, { minLength: 1, maxLength: 6 }),
).map(([seeds, ms]) => ms.reduce((s, m) => m(s), seeds).join(''));

interface Violation { what: string; request: string; sent: string }
let sending = '';
const violations: Violation[] = [];
const logged: string[] = [];
const unhandled: unknown[] = [];
let handled = 0;
let server: TestServer;
const saved = { error: console.error, warn: console.warn };
const onUnhandled = (e: unknown): void => {
  unhandled.push(e);
  // Said at once: node:test also fails the test on an uncaught error, with only the error.
  saved.error(`uncaught while sending ${JSON.stringify(sending)}:`, e);
};

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

before(async () => {
  console.error = (...a: unknown[]) => logged.push(a.map(String).join(' '));
  console.warn = (...a: unknown[]) => logged.push(a.map(String).join(' '));
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  const app = new web.Application();
  app.router.addRoute('*', '/{tail:.*}', async (request) => {
    handled++;
    const desc = `${request.method} ${request.relUrl} ${JSON.stringify(request.headers.get('transfer-encoding') ?? null)} ${JSON.stringify(request.headers.get('content-length') ?? null)}`;
    const bad = (what: string): void => {
      violations.push({ what, request: desc, sent: sending });
    };
    if (!TOKEN.test(request.method)) bad('method is not a token');
    if (!request.rawPath.startsWith('/')) bad('path does not start with /');
    if (/[\0-\x20\x7f]/.test(request.relUrl)) bad('control character or space in the target');
    if (!['1.0', '1.1'].includes(request.version)) bad(`version ${request.version}`);
    for (const [k, v] of request.headers) {
      if (!TOKEN.test(k)) bad(`header name ${JSON.stringify(k)}`);
      if (/[\0\r\n]/.test(v)) bad(`header value ${JSON.stringify(v)}`);
    }
    const te = request.headers.get('transfer-encoding');
    const cl = request.headers.get('content-length');
    if (te !== undefined && cl !== undefined) bad('Transfer-Encoding with Content-Length');
    if (te !== undefined && !/(^|,)\s*chunked\s*$/i.test(te)) bad(`Transfer-Encoding ${te} not ending in chunked`);
    if (request.version === '1.1' && request.headers.getAll('host').length !== 1) bad('HTTP/1.1 without exactly one Host');
    const body = await request.read();
    if (cl !== undefined && body.length !== Number(cl)) bad(`body of ${body.length} bytes for Content-Length ${cl}`);
    return new web.Response({ text: 'ok' });
  });
  server = new TestServer(app);
  await server.start();
});

after(async () => {
  await server.close();
  console.error = saved.error;
  console.warn = saved.warn;
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

const GOOD = Buffer.from('GET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');

test('mutated requests (HTTP Garden\'s mutations) never crash the server nor reach the handler malformed', async () => {
  await checkProperty(import.meta.filename, 'HTTP Garden mutations', fc.asyncProperty(stream, fc.array(fc.nat(), { maxLength: 4 }), async (raw, cuts) => {
    violations.length = 0;
    logged.length = 0;
    unhandled.length = 0;
    sending = raw;
    const bytes = Buffer.from(raw, 'latin1');
    const { response, end } = await exchange(server.port, splitAt(bytes, cuts), ['immediate'], 10, true);
    assert.notEqual(end, 'timeout', `no answer nor close for ${JSON.stringify(raw)}`);
    for (const s of statuses(response)) assert.ok((s >= 100 && s < 500) || s === 501 || s === 505, `status ${s} for ${JSON.stringify(raw)}`);
    assert.deepEqual(violations, []);
    assert.deepEqual(logged, []);
    assert.deepEqual(unhandled, []);
    const after = await exchange(server.port, [GOOD], ['none']);
    assert.deepEqual(statuses(after.response), [200], 'still serving');
  }), 1500);
  assert.ok(handled > 0, 'some mutated requests reached the handler');
});
