/**
 * The `ssl` option of the sites, `runApp` and `TestServer` (aiohttp's
 * `ssl_context`): Node's TLS server options, checked once where they are
 * given so that a missing or unreadable certificate fails there, not at the
 * first handshake.
 * @module
 */
import { createSecureContext, type SecureContextOptions, type TlsOptions } from 'node:tls';
import { describe } from '../core/validate.js';

/**
 * TLS options of an HTTPS site, as Node's `tls.createServer()` takes them
 * (PEM text or Buffers, not file names): `key` and `cert` (or `pfx`), and
 * optionally `ca`, `passphrase`, `minVersion`, `ciphers`, `requestCert`, ...
 * ALPN is aiots's: HTTP/1.1 only.
 * @example
 * new TCPSite(runner, '0.0.0.0', 8443, { ssl: { key: readFileSync('key.pem'), cert: readFileSync('cert.pem') } });
 */
export type SSLOptions = Omit<SecureContextOptions, 'ALPNCallback'>
  & Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized' | 'SNICallback' | 'pskCallback' | 'pskIdentityHint' | 'enableTrace'>;

// Every name SSLOptions has: a misspelt one (`passPhrase`, `certs`) would
// otherwise be ignored by Node and serve something else than was meant.
const KNOWN = new Set([
  'allowPartialTrustChain', 'ca', 'cert', 'sigalgs', 'ciphers', 'clientCertEngine', 'crl', 'dhparam', 'ecdhCurve',
  'honorCipherOrder', 'key', 'privateKeyEngine', 'privateKeyIdentifier', 'maxVersion', 'minVersion', 'passphrase',
  'pfx', 'secureOptions', 'secureProtocol', 'sessionIdContext', 'ticketKeys', 'sessionTimeout',
  'requestCert', 'rejectUnauthorized', 'SNICallback', 'pskCallback', 'pskIdentityHint', 'enableTrace',
]);

const REFUSED: Readonly<Record<string, string>> = {
  ALPNProtocols: 'aiots serves HTTP/1.1 over TLS and sets ALPN itself (no HTTP/2)',
  ALPNCallback: 'aiots serves HTTP/1.1 over TLS and sets ALPN itself (no HTTP/2)',
  handshakeTimeout: 'Node\'s is in milliseconds where aiots options are seconds; the handshake keeps Node\'s 120 s bound',
  secureContext: 'a Node server ignores a ready-made context: pass the options it was made from ({ key, cert, ... })',
};

/**
 * @internal Check `ssl` and return the options for `https.createServer`
 * (a copy, with ALPN set to HTTP/1.1). Throws a TypeError naming what is wrong.
 */
export function resolveSsl(where: string, ssl: unknown): TlsOptions {
  if (typeof ssl !== 'object' || ssl === null || Array.isArray(ssl)) throw new TypeError(`${where}: ssl must be TLS options ({ key, cert, ... }), got ${describe(ssl)}`);
  if ((ssl as { constructor?: { name?: string } }).constructor?.name === 'SecureContext') {
    throw new TypeError(`${where}: ssl must be TLS options ({ key, cert, ... }), got a tls.SecureContext, which a Node server ignores; pass the options it was made from`);
  }
  const o = ssl as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    const why = REFUSED[name];
    if (why !== undefined) throw new TypeError(`${where}: ssl.${name} is not accepted: ${why}`);
    if (!KNOWN.has(name)) throw new TypeError(`${where}: unknown option ssl.${name} (Node's TLS server options: key, cert, ca, pfx, passphrase, minVersion, ciphers, requestCert, ...)`);
  }
  const hasPfx = o.pfx !== undefined;
  if (!hasPfx && (o.key === undefined || o.cert === undefined)) {
    const missing = o.key === undefined && o.cert === undefined ? 'key and cert' : o.key === undefined ? 'key' : 'cert';
    throw new TypeError(`${where}: ssl needs a certificate and its private key: ${missing} missing (or give pfx)`);
  }
  for (const name of ['key', 'cert', 'ca'] as const) checkPem(where, name, o[name]);
  try {
    // Builds the context the server would build: a bad PEM, a wrong passphrase
    // or a key that does not match the certificate fails here.
    createSecureContext(o);
  } catch (e) {
    throw new TypeError(`${where}: ssl: ${(e as Error).message}`, { cause: e });
  }
  return { ...o, ALPNProtocols: ['http/1.1'] };
}

/** A file name where PEM text belongs is the mistake worth naming. */
function checkPem(where: string, name: string, value: unknown): void {
  const items = Array.isArray(value) ? value as unknown[] : [value];
  for (const v of items) {
    if (typeof v === 'string' && !v.includes('-----BEGIN')) {
      throw new TypeError(`${where}: ssl.${name} must be PEM text or a Buffer, got ${describe(v)}; to use a file, pass readFileSync(path)`);
    }
  }
}
