// TLS: a self-signed certificate made in the test by openssl; a trusted
// connection works, an untrusted or misnamed one fails with a clear error,
// and startTls upgrades a plain connection on both ends.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Future, TimeoutError, getEventLoop, openConnection, type ExceptionContext } from '../../../src/index.js';
import { expiredCert, selfSignedCert, serve } from './helpers.js';

const { key, cert } = selfSignedCert();
const expired = expiredCert();

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
  { name: 'expired certificate', ssl: { ca: expired.cert }, serverHostname: undefined, server: expired, code: 'CERT_HAS_EXPIRED', message: /certificate has expired/ },
] as const;

for (const c of badCases) {
  test(`TLS refuses: ${c.name}, and the server keeps serving`, async (t) => {
    const pair = 'server' in c ? c.server : { key, cert };
    const { port } = await serve(t, async (reader, writer) => {
      writer.write(await reader.readline());
      writer.close();
    }, { ssl: pair });
    const opts = c.serverHostname === undefined ? { ssl: c.ssl } : { ssl: c.ssl, serverHostname: c.serverHostname };
    await assert.rejects(openConnection('localhost', port, opts), (e: Error & { code?: string }) => {
      assert.equal(e.code, c.code);
      assert.match(e.message, c.message);
      return true;
    });
    // The failed handshake cost the server only that connection.
    const [reader, writer] = await openConnection('localhost', port, { ssl: { ca: pair.cert, rejectUnauthorized: !('server' in c) } });
    writer.write('still here\n');
    assert.equal((await reader.readline()).toString(), 'still here\n');
    await writer[Symbol.asyncDispose]();
  });
}

test('TLS to a server that does not speak TLS: an SSL error with its code, no hang', async (t) => {
  const plain = createNetServer((s) => {
    s.on('error', () => {});
    s.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  t.after(() => plain.close());
  const { port } = plain.address() as AddressInfo;
  await assert.rejects(openConnection('127.0.0.1', port, { ssl: true, timeout: 5 }), (e: Error & { code?: string }) => {
    assert.match(e.code ?? '', /^ERR_SSL_/);
    assert.match(e.message, /wrong version number|packet length too long|record layer failure/);
    return true;
  });
});

test('a TLS server survives clients that send garbage or leave mid-handshake, and reports nothing', async (t) => {
  const reports: ExceptionContext[] = [];
  const loop = getEventLoop();
  loop.setExceptionHandler((ctx) => reports.push(ctx));
  t.after(() => loop.setExceptionHandler(null));
  let handled = 0;
  const { port } = await serve(t, async (reader, writer) => {
    handled++;
    writer.write(await reader.readline());
    writer.close();
  }, { ssl: { key, cert } });
  for (const bytes of ['GET / HTTP/1.1\r\n\r\n', '\x16\x03\x01\x00']) {
    const s = netConnect(port, '127.0.0.1');
    s.on('error', () => {});
    s.end(bytes);
    s.resume();
    await once(s, 'close');
  }
  const [reader, writer] = await openConnection('localhost', port, { ssl: { ca: cert } });
  writer.write('fine\n');
  assert.equal((await reader.readline()).toString(), 'fine\n');
  await writer[Symbol.asyncDispose]();
  assert.equal(handled, 1); // the callback ran only for the good connection
  assert.deepEqual(reports, []);
});

test('startTls against an untrusted certificate fails with the cause and closes the connection', async (t) => {
  const serverResult = new Future<unknown>();
  const { port } = await serve(t, async (reader, writer) => {
    await reader.readline();
    writer.write('220 go ahead\r\n');
    // A client that walks out of the handshake must fail it now, not at the timeout.
    await writer.startTls({ key, cert }, { sslHandshakeTimeout: 10 }).then(() => serverResult.setResult('ok'), (e: unknown) => serverResult.setResult(e));
    writer.close();
  });
  const [reader, writer] = await openConnection('127.0.0.1', port);
  writer.write('STARTTLS\r\n');
  assert.equal((await reader.readline()).toString(), '220 go ahead\r\n');
  await assert.rejects(writer.startTls(true, { serverHostname: 'localhost', sslHandshakeTimeout: 5 }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.match(e.message, /self[- ]signed certificate/);
    return true;
  });
  assert.equal(writer.transport.destroyed, true);
  const serverError = await serverResult;
  assert.ok(serverError instanceof Error && !(serverError instanceof TimeoutError), `the server's handshake failed at once: ${String(serverError)}`);
  await assert.rejects(writer.drain(), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }); // the connection's error, kept
});

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
  // Now TLS: the peer's close closes our side too (no half-open), as a direct TLS connection.
  assert.equal((await reader.read()).length, 0);
  await writer.waitClosed({ signal: AbortSignal.timeout(5000) });
  assert.equal(writer.transport.destroyed, true);
});
