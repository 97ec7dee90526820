// Hostile multipart bodies, one row each: the answer names what was wrong,
// the rest of the body is not read into memory, and the server goes on serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { clientFor, rawRequest, statusOf } from './helpers.js';
import { leaf, multipartBody } from './multipart-helpers.js';

const field = (name: string): string => `Content-Disposition: form-data; name="${name}"`;
const file = (name: string): string => `Content-Disposition: form-data; name="${name}"; filename="${name}.bin"`;
const mixed = (boundary: string): string => `${field('files')}\r\nContent-Type: multipart/mixed; boundary=${boundary}`;
/** `depth` levels of multipart/mixed, one inside the other, around one text part. */
function nestedBody(depth: number): Buffer {
  let body = multipartBody(`L${depth}`, [['Content-Type: text/plain', 'core']]);
  for (let i = depth - 1; i >= 1; i--) body = multipartBody(`L${i}`, [[`Content-Type: multipart/mixed; boundary=L${i + 1}`, body]]);
  return multipartBody('B', [[mixed('L1'), body]]);
}

/** Every part read, nested readers included. */
async function readAll(reader: web.MultipartReader): Promise<void> {
  for await (const part of reader) {
    if (part instanceof web.MultipartReader) await readAll(part);
    else await part.read();
  }
}

interface Case {
  readonly name: string;
  readonly contentType?: string;
  readonly body: Buffer;
  readonly status: number;
  readonly message: RegExp;
  /** Read with post() (else multipart(), every part read). */
  readonly post?: boolean;
  readonly limits?: web.MultipartLimits;
}

const cases: Case[] = [
  { name: 'no boundary parameter', contentType: 'multipart/form-data', body: multipartBody('B', [[field('a'), 'x']]), status: 400, message: /Malformed multipart body: Multipart: Boundary not found/ },
  { name: 'a missing final boundary (truncated body)', body: multipartBody('B', [[field('a'), 'x']], false), status: 400, message: /Unexpected end of form/ },
  { name: 'a truncated file', body: Buffer.from(`--B\r\n${file('f')}\r\n\r\nabc`), status: 400, message: /Malformed multipart body: Unexpected end of/ },
  { name: 'a part header line without a colon', body: Buffer.from('--B\r\nContent-Disposition form-data\r\n\r\nx\r\n--B--\r\n'), status: 400, message: /Malformed part header/ },
  { name: 'a part header of 100 KiB', body: multipartBody('B', [[`${field('a')}\r\nX-Big: ${'a'.repeat(100 * 1024)}`, 'x']]), status: 400, message: /Malformed part header/ },
  // A count past a limit is a 413, not a 400: the body is well formed, there
  // is more of it than the server takes (RFC 9110 15.5.14); @fastify/multipart
  // answers busboy's partsLimit with a 413 too (FST_PARTS_LIMIT).
  { name: '10,000 parts: 413, more content than limits.parts (1000 by default) takes, not malformed', body: multipartBody('B', Array.from({ length: 10_000 }, (_v, i) => [field(`f${i}`), 'v'] as const)), status: 413, message: /more than limits\.parts \(1000\) parts/, post: true },
  { name: 'parts limit with multipart()', body: multipartBody('B', Array.from({ length: 6 }, (_v, i) => [field(`f${i}`), 'v'] as const)), status: 413, message: /more than limits\.parts \(5\) parts/, limits: { parts: 5 } },
  { name: 'files limit', body: multipartBody('B', [[file('a'), 'x'], [file('b'), 'y']]), status: 413, message: /more than limits\.files \(1\) files/, limits: { files: 1 } },
  { name: 'fields limit', body: multipartBody('B', [[field('a'), 'x'], [field('b'), 'y']]), status: 413, message: /more than limits\.fields \(1\) fields/, limits: { fields: 1 }, post: true },
  { name: 'a file past fileSize', body: multipartBody('B', [[file('big'), 'x'.repeat(2000)]]), status: 413, message: /file "big" is larger than limits\.fileSize \(1000 bytes\)/, limits: { fileSize: 1000 }, post: true },
  { name: 'a field past fieldSize', body: multipartBody('B', [[field('big'), 'x'.repeat(2000)]]), status: 413, message: /field "big" is larger than limits\.fieldSize \(1000 bytes\)/, limits: { fieldSize: 1000 } },
  { name: 'nested multipart without a boundary parameter', body: multipartBody('B', [[`${field('files')}\r\nContent-Type: multipart/mixed`, '--I\r\n\r\nx\r\n--I--']]), status: 400, message: /Malformed multipart body: Multipart: Boundary not found \(Content-Type: multipart\/mixed\)/ },
  { name: 'nested multipart whose inner body has no final boundary', body: multipartBody('B', [[mixed('I'), '--I\r\nContent-Type: text/plain\r\n\r\nx']]), status: 400, message: /Malformed multipart body: Unexpected end of form/ },
  { name: 'nested multipart whose boundary never comes', body: multipartBody('B', [[mixed('I'), 'no boundary here at all']]), status: 400, message: /Malformed multipart body: Unexpected end of form/ },
  { name: 'nested multipart 8 levels deep is read', body: nestedBody(8), status: 200, message: /accepted/ },
  { name: 'nested multipart 9 levels deep: 400 naming the bound', body: nestedBody(9), status: 400, message: /multipart nested deeper than 8 levels/ },
  { name: 'nested parts count toward limits.parts', body: multipartBody('B', [[mixed('I'), multipartBody('I', Array.from({ length: 6 }, () => ['Content-Type: text/plain', 'v'] as const))]]), status: 413, message: /more than limits\.parts \(5\) parts/, limits: { parts: 5 } },
  { name: 'a nested part past fileSize', body: multipartBody('B', [[mixed('I'), multipartBody('I', [['Content-Type: text/plain', 'x'.repeat(2000)]])]]), status: 413, message: /larger than limits\.fileSize \(1000 bytes\)/, limits: { fileSize: 1000 } },
  { name: 'post() of a body with a nested multipart part: 400, read it with multipart()', body: multipartBody('B', [[mixed('I'), multipartBody('I', [['Content-Type: text/plain', 'v']])]]), status: 400, message: /request\.post\(\) does not read nested multipart \(a multipart\/mixed part\): read the body with request\.multipart\(\)/, post: true },
  { name: 'a field past the default fieldSize of 1 MiB', body: multipartBody('B', [[field('big'), 'x'.repeat(1024 * 1024 + 1)]]), status: 413, message: /limits\.fieldSize \(1048576 bytes\)/, post: true },
];

test('hostile multipart bodies get a 400 or 413 naming the problem, and the server keeps serving', async (t) => {
  const app = new web.Application({ clientMaxSize: 0 });
  let current: Case | undefined;
  app.router.addPost('/up', async (r) => {
    const c = current as Case;
    if (c.post === true) {
      await r.post(c.limits === undefined ? undefined : { limits: c.limits });
    } else {
      await readAll(await r.multipart(c.limits === undefined ? undefined : { limits: c.limits }));
    }
    return new web.Response({ text: 'accepted' });
  });
  app.router.addGet('/ok', () => new web.Response({ text: 'still serving' }));
  const client = await clientFor(t, app);
  for (const c of cases) {
    current = c;
    const head = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: ${c.contentType ?? 'multipart/form-data; boundary=B'}\r\nContent-Length: ${c.body.length}\r\n\r\n`;
    const raw = await rawRequest(client.server.port, Buffer.concat([Buffer.from(head), c.body]), { until: /\r\n\r\n[^]*\S/ });
    assert.equal(statusOf(raw), c.status, `${c.name}: ${raw.slice(0, 300)}`);
    assert.match(raw, c.message, c.name);
    const ok = await client.get('/ok');
    assert.equal(await ok.text(), 'still serving', c.name);
  }
});

test('past a limit the rest of the body is not read: the connection closes after the 413', async (t) => {
  const app = new web.Application();
  let bytesRead = 0;
  app.router.addPost('/up', async (r) => {
    try {
      for await (const part of await r.multipart({ limits: { fileSize: 1000 } })) await leaf(part).read();
    } finally {
      bytesRead = r._req.socket.bytesRead;
    }
    return new web.Response({ text: 'accepted' });
  });
  const client = await clientFor(t, app);
  const body = multipartBody('B', [[file('big'), Buffer.alloc(64 * 1024 * 1024, 0x61)]]);
  const head = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${body.length}\r\n\r\n`;
  const raw = await rawRequest(client.server.port, Buffer.concat([Buffer.from(head), body]));
  assert.equal(statusOf(raw), 413);
  assert.match(raw, /Connection: close/i);
  assert.ok(bytesRead < 16 * 1024 * 1024, `read ${bytesRead} bytes of a 64 MiB body`);
});
