// https against a real TLS server on 127.0.0.1 (a self-signed fixture
// certificate): the checks are on by default, and can be relaxed per request
// or pointed at a private CA on the connector.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientConnectorCertificateError, ClientConnectorError, ClientSSLError, TCPConnector } from '../../src/client/index.js';
import { serveRaw, serveTls, session } from './helpers.js';
import { TLS_CERT } from './tls-fixture.js';

test('a self-signed certificate is refused by default → ClientConnectorCertificateError', async (t) => {
  let requests = 0;
  const { url } = await serveTls(t, (_req, res) => { requests++; res.end('secure'); });
  const s = session(t);
  await assert.rejects(s.get(url), (e: unknown) => {
    assert.ok(e instanceof ClientConnectorCertificateError);
    assert.ok(e instanceof ClientSSLError);
    assert.ok(e instanceof ClientConnectorError);
    assert.equal(e.osCode, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.match(e.message, /Cannot connect to host 127\.0\.0\.1:\d+: TLS certificate check failed/);
    return true;
  });
  assert.equal(requests, 0);
});

test('ssl: false per request skips the checks; the default pool still checks', async (t) => {
  const { url } = await serveTls(t, (_req, res) => res.end('secure'));
  const s = session(t);
  assert.equal(await (await s.get(url, { ssl: false })).text(), 'secure');
  await assert.rejects(s.get(url), ClientConnectorCertificateError);
});

test('a connector that trusts the certificate (ssl: { ca }) verifies it', async (t) => {
  const { url } = await serveTls(t, (_req, res) => res.end('trusted'));
  const s = session(t, { connector: new TCPConnector({ ssl: { ca: TLS_CERT } }) });
  assert.equal(await (await s.get(url)).text(), 'trusted');
  // The name is checked too: the certificate is for 127.0.0.1 and localhost only.
  const viaLocalhost = url.replace('127.0.0.1', 'localhost');
  assert.equal(await (await s.get(viaLocalhost)).text(), 'trusted');
});

test('a peer that is not TLS at all → ClientSSLError', async (t) => {
  const { url } = await serveRaw(t, (socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
  const s = session(t);
  await assert.rejects(s.get(url.replace('http:', 'https:')), (e: unknown) => e instanceof ClientSSLError && /TLS handshake failed/.test((e as Error).message));
});
