// Property: however a request's bytes are split across TCP writes, the
// handler sees the same method, path, query, headers and body (llhttp is
// incremental; aiots must not depend on where reads end). One server serves
// the whole property; each case opens its own connection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import * as web from '../../src/web/index.js';
import { TestServer } from '../../src/testing/index.js';
import { checkProperty } from './fuzz-runs.js';
import { exchange, splitAt, statuses, type Pause } from './raw-http.js';

interface Seen { method: string; rawPath: string; query: [string, string][]; headers: [string, string][]; body: Buffer }

const seen = new Map<string, Seen>();
let server: TestServer;
let nextId = 0;

before(async () => {
  const app = new web.Application();
  app.router.addRoute('*', '/{tail:.*}', async (request) => {
    const body = await request.read();
    seen.set(request.headers.get('x-id') ?? '', {
      method: request.method,
      rawPath: request.rawPath,
      query: [...request.query],
      headers: [...request.headers].map(([k, v]) => [k.toLowerCase(), v]),
      body,
    });
    return new web.Response({ text: 'ok' });
  });
  server = new TestServer(app);
  await server.start();
});

after(async () => {
  await server.close();
});

const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.~!$*+^`|'.split('')), minLength: 1, maxLength: 12 });
// Path and query text: unreserved characters and valid UTF-8 percent-escapes.
const pathUnit = fc.oneof(
  fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@'.split('')),
  fc.constantFrom('%20', '%2F', '%25', '%C3%A9', '%E2%82%AC', '%41'),
);
const segment = fc.string({ unit: pathUnit, maxLength: 8 });
const queryText = fc.string({ unit: fc.oneof(fc.constantFrom(...'abc019-._~!$\'()*,;:@/?'.split('')), fc.constantFrom('%20', '%26', '%3D', '%C3%A9', '+')), maxLength: 8 });
// Header values: visible ASCII and inner spaces/tabs, no leading or trailing whitespace (HTTP strips it).
const headerValue = fc.string({ unit: fc.oneof(fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), fc.constantFrom(' ', '\t')), maxLength: 30 })
  .map((s) => s.trim());

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'QUERY'),
  segments: fc.array(segment, { maxLength: 4 }),
  query: fc.array(fc.tuple(queryText, queryText), { maxLength: 4 }),
  headers: fc.uniqueArray(fc.tuple(token.map((t) => `x-f-${t}`), headerValue), { selector: ([k]) => k, maxLength: 6 }),
  nameCase: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
  body: fc.uint8Array({ maxLength: 300 }),
  framing: fc.oneof(fc.constant<'length'>('length'), fc.constant<'none'>('none'), fc.array(fc.nat({ max: 64 }), { maxLength: 6 })),
  extension: fc.boolean(),
});

type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never;

function encode(r: Generated, id: string): { bytes: Buffer; rawPath: string; queryString: string } {
  const rawPath = '/' + r.segments.join('/');
  const queryString = r.query.map(([k, v]) => `${k}=${v}`).join('&');
  const lines = [`${r.method} ${rawPath}${queryString === '' ? '' : '?' + queryString} HTTP/1.1`, 'Host: fuzz', `X-Id: ${id}`, 'Connection: close'];
  // Header names in mixed case: the handler must see them case-insensitively the same.
  r.headers.forEach(([k, v], i) => {
    const name = [...k].map((c, j) => (r.nameCase[(i + j) % r.nameCase.length] === true ? c.toUpperCase() : c)).join('');
    lines.push(`${name}: ${v}`);
  });
  let body: Buffer;
  const framing = r.framing === 'none' && r.body.length > 0 ? 'length' : r.framing;
  if (framing === 'length') {
    lines.push(`Content-Length: ${r.body.length}`);
    body = Buffer.from(r.body);
  } else if (framing === 'none') {
    body = Buffer.alloc(0);
  } else {
    lines.push('Transfer-Encoding: chunked');
    const parts: Buffer[] = [];
    let at = 0;
    for (const size of [...framing, r.body.length]) {
      const n = Math.min(size, r.body.length - at);
      if (n === 0) continue;
      parts.push(Buffer.from(`${n.toString(16)}${r.extension ? ';ext=1' : ''}\r\n`), Buffer.from(r.body.subarray(at, at + n)), Buffer.from('\r\n'));
      at += n;
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    body = Buffer.concat(parts);
  }
  return { bytes: Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]), rawPath, queryString };
}

test('a request split at any points across TCP writes reaches the handler unchanged', async () => {
  await checkProperty(import.meta.filename, 'split points', fc.asyncProperty(
    request,
    fc.array(fc.nat(), { maxLength: 8 }),
    fc.array(fc.constantFrom<Pause>('none', 'immediate', 'immediate', 'timer'), { minLength: 1, maxLength: 4 }),
    async (r, cuts, pauses) => {
      const id = String(nextId++);
      const { bytes, rawPath, queryString } = encode(r, id);
      const { response, end } = await exchange(server.port, splitAt(bytes, cuts), pauses);
      assert.equal(end, 'closed');
      assert.deepEqual(statuses(response), [200]);
      const s = seen.get(id);
      seen.delete(id);
      assert.ok(s !== undefined, 'the handler ran');
      assert.equal(s.method, r.method);
      assert.equal(s.rawPath, rawPath);
      assert.deepEqual(s.query, [...new URLSearchParams(`?${queryString}`)]);
      for (const [k, v] of r.headers) assert.deepEqual(s.headers.filter(([n]) => n === k), [[k, v]], k);
      const known = new Set(['host', 'x-id', 'connection', 'content-length', 'transfer-encoding', ...r.headers.map(([k]) => k)]);
      assert.deepEqual(s.headers.filter(([n]) => !known.has(n)), []);
      assert.ok(s.body.equals(r.body), 'body');
    },
  ), 1000);
});
