// TLS: a self-signed certificate made in the test by openssl; a trusted
// connection works, an untrusted or misnamed one fails with a clear error,
// and startTls upgrades a plain connection on both ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Future, openConnection } from '../../../src/index.js';
import { selfSignedCert, serve } from './helpers.js';

const { key, cert } = selfSignedCert();

test('a TLS echo with the certificate trusted', async (t) => {
  const { port } = await serve(t, async (reader, writer) => {
    writer.write(await reader.readline());
    await writer.drain();
    writer.close();
  }, { ssl: { key, cert } });
  const [reader, writer] = await openConnection('localhost', port, { ssl: { ca: cert }, timeout: 5 });
  writer.write('secret\n');
  assert.equal((await reader.readline()).toString(), 'secret\n');
  assert.equal(writer.canWriteEof(), false);
  assert.equal(writer.getExtraInfo('peercert')?.subject.CN, 'localhost');
  assert.deepEqual(writer.getExtraInfo('sslcontext'), { ca: cert });
  assert.equal(typeof writer.getExtraInfo('cipher')?.name, 'string');
  assert.equal((await reader.read()).length, 0);
  writer.close();
  await writer.waitClosed();
});

test('an IP address is checked against the certificate (no SNI)', async (t) => {
  const { port } = await serve(t, async (_r, writer) => {
    writer.close();
  }, { ssl: { key, cert } });
  const [, writer] = await openConnection('127.0.0.1', port, { ssl: { ca: cert } });
  writer.close();
  await writer.waitClosed();
});

const badCases = [
  { name: 'untrusted self-signed certificate', ssl: true, serverHostname: undefined, code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: /self[- ]signed certificate/ },
  { name: 'wrong host name', ssl: { ca: cert }, serverHostname: 'example.com', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: /example\.com.*altnames/ },
] as const;

for (const c of badCases) {
  test(`TLS refuses: ${c.name}`, async (t) => {
    const { port } = await serve(t, async () => {}, { ssl: { key, cert } });
    const opts = c.serverHostname === undefined ? { ssl: c.ssl } : { ssl: c.ssl, serverHostname: c.serverHostname };
    await assert.rejects(openConnection('localhost', port, opts), (e: Error & { code?: string }) => {
      assert.equal(e.code, c.code);
      assert.match(e.message, c.message);
      return true;
    });
  });
}

test('startTls upgrades a plain connection on both ends (STARTTLS)', async (t) => {
  const serverSaw = new Future<string>();
  const { port } = await serve(t, async (reader, writer) => {
    assert.equal((await reader.readline()).toString(), 'STARTTLS\r\n');
    writer.write('220 go ahead\r\n');
    await writer.drain();
    await writer.startTls({ key, cert });
    serverSaw.setResult((await reader.readline()).toString());
    writer.write('250 secure\r\n');
    await writer.drain();
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  writer.write('STARTTLS\r\n');
  assert.equal((await reader.readline()).toString(), '220 go ahead\r\n');
  await writer.startTls({ ca: cert }, { serverHostname: 'localhost' });
  assert.equal(writer.getExtraInfo('peercert')?.subject.CN, 'localhost');
  await assert.rejects(writer.startTls(true), /already uses TLS/);
  writer.write('EHLO\r\n');
  assert.equal(await serverSaw, 'EHLO\r\n');
  assert.equal((await reader.readline()).toString(), '250 secure\r\n');
  writer.close();
  await writer.waitClosed();
});
