// DigestAuthMiddleware against a digest-protected server written here on
// aiots's web server (RFC 7616 checked by the server with its own code):
// MD5, SHA-256, SHA-512-256 and -sess, qop=auth and none, nonce counting,
// the one retry on 401, and the challenges it refuses.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { inspect } from 'node:util';
import { ClientError, ClientSession, DigestAuthMiddleware } from '../../src/client/index.js';
import { TestServer } from '../../src/testing/index.js';
import { Application, Response, type Request } from '../../src/web/index.js';

const HASH: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

interface Options {
  algorithm?: string;
  qop?: string | null;
  /** The raw challenge, when a test wants a broken one. */
  challenge?: string;
  /** Change the nonce after this many successful answers. */
  rotateAfter?: number;
}

function params(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) out[m[1] as string] = m[2]?.replace(/\\(.)/g, '$1') ?? (m[3] as string);
  return out;
}

async function digestServer(t: TestContext, opts: Options = {}) {
  const algorithm = opts.algorithm ?? 'MD5';
  const qop = opts.qop === undefined ? 'auth' : opts.qop;
  let nonce = randomBytes(8).toString('hex');
  let ok = 0;
  const log: { status: number; nc: string | undefined; authorization: string | undefined }[] = [];
  const challenge = (stale: boolean): string => opts.challenge
    ?? `Digest realm="test realm", nonce="${nonce}", opaque="op\\"aque"${qop === null ? '' : `, qop="${qop}"`}, algorithm=${algorithm}${stale ? ', stale=true' : ''}`;
  const handler = async (request: Request): Promise<Response> => {
    const header = request.headers.get('authorization') ?? undefined;
    const deny = (stale = false): Response => {
      log.push({ status: 401, nc: header === undefined ? undefined : params(header).nc, authorization: header });
      return new Response({ status: 401, text: 'no', headers: { 'www-authenticate': challenge(stale) } });
    };
    if (header === undefined || !header.startsWith('Digest ')) return deny();
    const p = params(header);
    const upper = algorithm.toUpperCase();
    const sess = upper.endsWith('-SESS');
    const H = (s: string): string => createHash(HASH[sess ? upper.slice(0, -5) : upper] as string).update(s).digest('hex');
    if (p.username !== 'user' || p.realm !== 'test realm' || p.opaque !== 'op"aque' || p.uri !== request.relUrl) return deny();
    if (p.nonce !== nonce) return deny(true);
    let ha1 = H(`user:test realm:${'pass word'}`);
    if (sess) ha1 = H(`${ha1}:${nonce}:${p.cnonce}`);
    const ha2 = H(`${request.method}:${p.uri}`);
    const expected = qop === null ? H(`${ha1}:${nonce}:${ha2}`) : H(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
    if (p.response !== expected) return deny();
    log.push({ status: 200, nc: p.nc, authorization: header });
    if (opts.rotateAfter !== undefined && ++ok % opts.rotateAfter === 0) nonce = randomBytes(8).toString('hex');
    const body = request.method === 'POST' ? await request.text() : '';
    return new Response({ text: `welcome ${body}` });
  };
  const app = new Application();
  app.router.addRoute('*', '/{tail:.*}', handler);
  const server = new TestServer(app);
  await server.start();
  t.after(() => server.close());
  return { url: server.makeUrl('/protected?x=1'), server, log };
}

function digestSession(t: TestContext, password = 'pass word'): ClientSession {
  const s = new ClientSession({ middlewares: [new DigestAuthMiddleware('user', password)] });
  t.after(() => s.close());
  return s;
}

for (const [algorithm, qop] of [['MD5', 'auth'], ['MD5', null], ['MD5-sess', 'auth'], ['SHA-256', 'auth'], ['SHA-256-sess', 'auth, auth-int'], ['SHA-512-256', 'auth']] as const) {
  test(`${algorithm}, qop ${qop ?? 'none'}: a 401 is answered once, then the challenge is reused with the nonce counted`, async (t) => {
    const srv = await digestServer(t, { algorithm, qop });
    const s = digestSession(t);
    const first = await s.get(srv.url);
    assert.equal(first.status, 200);
    assert.equal(await first.text(), 'welcome ');
    const second = await s.post(srv.url, { data: 'body' });
    assert.equal(await second.text(), 'welcome body');
    assert.deepEqual(srv.log.map((x) => [x.status, x.nc]), [[401, undefined], [200, qop === null ? undefined : '00000001'], [200, qop === null ? undefined : '00000002']]);
    assert.match(srv.log[1]?.authorization ?? '', new RegExp(`algorithm=${algorithm}[,]`));
  });
}

test('a new nonce (stale) is answered with a new retry and the count starts again', async (t) => {
  const srv = await digestServer(t, { rotateAfter: 2 });
  const s = digestSession(t);
  for (let i = 0; i < 3; i++) assert.equal((await s.get(srv.url)).status, 200);
  assert.deepEqual(srv.log.map((x) => [x.status, x.nc]), [[401, undefined], [200, '00000001'], [200, '00000002'], [401, '00000003'], [200, '00000001']]);
});

test('a wrong password: one retry, then the 401 comes back (no loop)', async (t) => {
  const srv = await digestServer(t);
  const resp = await digestSession(t, 'wrong').get(srv.url);
  assert.equal(resp.status, 401);
  assert.equal(await resp.text(), 'no');
  assert.equal(srv.log.length, 2);
});

test('a 401 without a Digest challenge is returned as it is', async (t) => {
  const srv = await digestServer(t, { challenge: 'Basic realm="x"' });
  const resp = await digestSession(t).get(srv.url);
  assert.equal(resp.status, 401);
  assert.equal(srv.log.length, 1);
});

test('bad challenges fail with ClientError: unknown algorithm, missing nonce or realm, unsupported qop', async (t) => {
  const cases: [string, RegExp][] = [
    ['Digest realm="r", nonce="n", algorithm=MD4', /unsupported hash algorithm "MD4"/],
    ['Digest realm="r", nonce="n", algorithm="SHA-256-bogus"', /unsupported hash algorithm "SHA-256-bogus"/],
    ['Digest realm="r", qop="auth"', /missing nonce/],
    ['Digest realm="r", nonce=""', /missing nonce/],
    ['Digest nonce="n"', /missing realm/],
    ['Digest realm="r", nonce="n", qop="auth-conf"', /unsupported qop "auth-conf"/],
  ];
  for (const [challenge, re] of cases) {
    const srv = await digestServer(t, { challenge });
    await assert.rejects(digestSession(t).get(srv.url), (e) => e instanceof ClientError && re.test(e.message), challenge);
    assert.equal(srv.log.length, 1, 'no retry with a broken challenge');
  }
});

test('DigestAuthMiddleware refuses bad credentials and hides the password', () => {
  assert.throws(() => new DigestAuthMiddleware('us:er', 'x'), /^RangeError: DigestAuthMiddleware\(\): a ":" is not allowed in the login/);
  assert.throws(() => new DigestAuthMiddleware(null as never, 'x'), /login must be a string, got null/);
  assert.throws(() => new DigestAuthMiddleware('u', undefined as never), /password must be a string, got undefined/);
  assert.equal(inspect(new DigestAuthMiddleware('user', 'secret')), 'DigestAuthMiddleware(login="user")');
});
