// ClientResponse.getEncoding() with the session's fallbackCharsetResolver,
// links (the Link header) and contentDisposition, as aiohttp's; plus
// session.closed / session.connector.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientSession, TCPConnector } from '../../src/client/index.js';
import { InvalidStateError } from '../../src/core/errors.js';
import { serve, session } from './helpers.js';

async function answering(t: Parameters<typeof serve>[0], headers: Record<string, string | string[]>, body: Buffer | string = '') {
  return (await serve(t, (_req, res) => res.writeHead(200, headers).end(body))).url;
}

test('getEncoding: the charset when known, utf-8 for JSON, else the fallback resolver (with the body read)', async (t) => {
  const latin = Buffer.from('café', 'latin1');
  const s = session(t);
  const withCharset = await s.get(await answering(t, { 'content-type': 'text/plain; charset=ISO-8859-1' }, latin));
  assert.equal(withCharset.getEncoding(), 'windows-1252');
  assert.equal(await withCharset.text(), 'café');
  const json = await s.get(await answering(t, { 'content-type': 'application/json' }, '{}'));
  assert.equal(json.getEncoding(), 'utf-8');
  const plain = await s.get(await answering(t, { 'content-type': 'text/plain' }, latin));
  assert.equal(plain.getEncoding(), 'utf-8', 'the default resolver says utf-8');
  assert.equal(await plain.text(), 'caf\ufffd');

  const calls: number[] = [];
  const guessing = session(t, { fallbackCharsetResolver: (_resp, body) => {
    calls.push(body.length);
    return 'latin1';
  } });
  const url = await answering(t, { 'content-type': 'text/plain; charset=no-such-charset' }, latin);
  const resp = await guessing.get(url);
  assert.throws(() => resp.getEncoding(), (e) => e instanceof InvalidStateError && /read it first/.test(e.message));
  assert.equal(await resp.text(), 'café', 'an unknown charset goes to the resolver');
  assert.deepEqual(calls, [4], 'called once, with the body');
  assert.equal(await (await guessing.get(url)).text('utf-8'), 'caf\ufffd', 'an explicit encoding wins');

  const bad = session(t, { fallbackCharsetResolver: () => 'klingon' });
  await assert.rejects((await bad.get(url)).text(), /fallbackCharsetResolver returned string "klingon", not an encoding the platform knows/);
  assert.throws(() => session(t, { fallbackCharsetResolver: 'utf-8' as never }), /^TypeError: ClientSession\(\): fallbackCharsetResolver must be a function/);
});

test('links: the Link header parsed, keyed by rel, URLs resolved against the response URL', async (t) => {
  const url = await answering(t, {
    link: [
      '<https://api.example.com/items?page=2>; rel="next", </items?page=9>; rel=last; title="Last, page"',
      '<./other>; rel=next', '<no-rel>; type="text/html"', 'garbage, <weird>;; rel="x"; broken',
    ],
  });
  const resp = await session(t).get(`${url}/items/list`);
  const links = resp.links;
  assert.deepEqual(Object.keys(links), ['next', 'last', 'no-rel', 'x']);
  assert.equal(links.next?.url.href, 'https://api.example.com/items?page=2', 'the first of a rel wins');
  assert.equal(links.last?.url.href, `${url}/items?page=9`);
  assert.deepEqual({ ...links.last?.params }, { rel: 'last', title: 'Last, page' });
  assert.equal(links['no-rel']?.rel, null);
  assert.equal(links['no-rel']?.url.href, `${url}/items/no-rel`);
  assert.deepEqual(Object.keys((await session(t).get(await answering(t, {}))).links), []);
});

test('contentDisposition: type, parameters, filename (filename* first); malformed ones give a null type', async (t) => {
  const s = session(t);
  const cd = async (value: string | undefined) => {
    const got = (await s.get(await answering(t, value === undefined ? {} : { 'content-disposition': value }))).contentDisposition;
    return got === null ? null : { ...got, parameters: { ...got.parameters } };
  };
  assert.equal(await cd(undefined), null);
  assert.deepEqual(await cd('attachment; filename="a \\"b\\".txt"; size=10'), { type: 'attachment', parameters: { filename: 'a "b".txt', size: '10' }, filename: 'a "b".txt' });
  const ext = await cd(`Attachment; filename="fallback.txt"; FILENAME*=UTF-8''%E2%82%AC%20rates.txt`);
  assert.equal(ext?.type, 'attachment');
  assert.equal(ext?.filename, '€ rates.txt');
  assert.equal((await cd(`inline; filename*=iso-8859-1'en'caf%E9.txt`))?.filename, 'café.txt');
  assert.equal((await cd('inline'))?.filename, null);
  for (const bad of ['attachment; filename="open', 'a b; x=1', 'attachment; filename', `attachment; filename*=UTF-8''%E2%82`, 'attachment; x=1; x=2', `attachment; filename*=koi8-r''x`]) {
    assert.deepEqual(await cd(bad), { type: null, parameters: {}, filename: null }, bad);
  }
});

test('session.closed and session.connector', async () => {
  const connector = new TCPConnector();
  const s = new ClientSession({ connector });
  assert.equal(s.connector, connector);
  assert.equal(s.closed, false);
  await s.close();
  assert.equal(s.closed, true);
  assert.equal(connector.closed, true, 'closed with the session that owns it');
});
