// No byte outside a static folder is served, whatever the request path says.
// Requests go over a raw socket, so nothing between the test and the server
// normalises or re-encodes the path.
//
// The folder is <tmp>/public; <tmp>/secret.txt, <tmp>/public-secret/s.txt
// (a sibling whose name starts with the folder's) and /etc/passwd are the
// targets. Every row must answer without any of their bytes.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as web from '../../src/web/index.js';
import { scratch, serve } from './file-helpers.js';
import { rawRequest, statusOf } from './helpers.js';

/** [what it tries, the path after `/static/`, the status expected]. */
const TABLE: readonly (readonly [string, string, number])[] = [
  ['plain ..', '../secret.txt', 404],
  ['.. many times', '../../../../../../../../etc/passwd', 404],
  ['.. after a real folder', 'sub/../../secret.txt', 404],
  ['.. to a sibling folder sharing the prefix', '../public-secret/s.txt', 404],
  ['encoded dots, lower case', '%2e%2e/secret.txt', 404],
  ['encoded dots, upper case', '%2E%2E/secret.txt', 404],
  ['encoded dots, mixed case', '%2e%2E/secret.txt', 404],
  ['one dot encoded', '.%2e/secret.txt', 404],
  ['the other dot encoded', '%2e./secret.txt', 404],
  ['encoded slash, lower case', '..%2fsecret.txt', 404],
  ['encoded slash, upper case', '..%2Fsecret.txt', 404],
  ['dots and slash encoded', '%2e%2e%2fsecret.txt', 404],
  ['encoded sibling prefix', '%2e%2e%2fpublic-secret%2fs.txt', 404],
  ['double-encoded dots', '%252e%252e/secret.txt', 404],
  ['double-encoded dots and slash', '%252e%252e%252fsecret.txt', 404],
  ['double-encoded slash', '..%252fsecret.txt', 404],
  ['backslash', '..\\secret.txt', 404],
  ['backslashes all the way', '..\\..\\..\\etc\\passwd', 404],
  ['encoded backslash, lower case', '..%5csecret.txt', 404],
  ['encoded backslash, upper case', '..%5Csecret.txt', 404],
  ['encoded dots and backslash', '%2e%2e%5csecret.txt', 404],
  ['absolute path', '/etc/passwd', 403],
  ['absolute path, encoded slash', '%2fetc%2fpasswd', 403],
  ['absolute path, encoded slash, upper case', '%2Fetc%2Fpasswd', 403],
  ['NUL, encoded', 'ok.txt%00', 400],
  ['NUL, encoded, before an extension', 'ok.txt%00.png', 400],
  ['NUL, raw', 'ok.txt\0', 400],
  ['overlong UTF-8 dots', '%c0%ae%c0%ae/secret.txt', 400],
  ['overlong UTF-8 slash', '..%c0%afsecret.txt', 400],
  ['overlong UTF-8 dots, 3 bytes', '%e0%80%ae%e0%80%ae/secret.txt', 400],
  ['overlong UTF-8 backslash', '..%c1%9csecret.txt', 400],
  ['IIS %u escapes', '%u002e%u002e/secret.txt', 400],
  ['a stray %', '%/secret.txt', 400],
  ['fullwidth dots', '%ef%bc%8e%ef%bc%8e/secret.txt', 404],
  ['Tomcat ..;', '..;/secret.txt', 404],
  ['four dots', '..../secret.txt', 404],
];

test('path traversal: every encoding in the table is refused', async (t) => {
  const base = scratch(t);
  const dir = join(base, 'public');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'ok.txt'), 'fine');
  writeFileSync(join(base, 'secret.txt'), 'SECRET-1');
  mkdirSync(join(base, 'public-secret'));
  writeFileSync(join(base, 'public-secret', 's.txt'), 'SECRET-2');
  const errors: unknown[] = [];
  for (const followSymlinks of [false, true]) {
    const app = new web.Application();
    app.router.addStatic('/static', dir, { followSymlinks });
    const server = await serve(t, app, { errorLog: (_m, e) => errors.push(e) });
    const ok = await rawRequest(server.port, 'GET /static/ok.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(ok, /\r\n\r\nfine$/);
    for (const [what, path, status] of TABLE) {
      for (const target of [`/static/${path}`, `http://x/static/${path}`]) {
        const raw = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        const label = `${what} (${JSON.stringify(target)}, followSymlinks: ${String(followSymlinks)})`;
        assert.doesNotMatch(raw, /SECRET|root:/, label);
        assert.equal(statusOf(raw), status, label);
      }
    }
  }
  // Refused as bad requests or missing files, never as server errors.
  assert.deepEqual(errors, []);
});
