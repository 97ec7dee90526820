// aiots's server parses strictly whatever Node was started with: it passes
// `insecureHTTPParser: false` to node:http, which wins over the process-wide
// --insecure-http-parser flag (in NODE_OPTIONS, say), and no aiots option
// turns the lenient parser on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TestServer } from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';
import { rawRequest, statusOf } from '../web/helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/strict-parser-server.ts', import.meta.url));
// Only a lenient parser takes a control byte in a header value (HTTP Garden's Server Bugs #2).
const LENIENT_ONLY = 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\nConnection: close\r\n\r\n';

test('NODE_OPTIONS=--insecure-http-parser does not make the server lenient', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --insecure-http-parser`.trim() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    const [port, barePort] = first.toString().trim().split(' ').map(Number);
    assert.ok(port !== undefined && barePort !== undefined && port > 0 && barePort > 0, `no ports from the child: ${stderr}`);
    // The flag is in effect: a bare node:http server in the same process takes the request.
    assert.equal(statusOf(await rawRequest(barePort, LENIENT_ONLY)), 200, 'the flag did not reach the child');
    const raw = await rawRequest(port, LENIENT_ONLY);
    assert.equal(statusOf(raw), 400, raw);
    assert.doesNotMatch(raw, /handled/);
  } finally {
    child.stdin.end();
    if (child.exitCode === null) await once(child, 'exit');
  }
});

test('no aiots option turns the lenient parser on', () => {
  const app = new web.Application();
  for (const name of ['insecureHTTPParser', 'insecure_http_parser', 'requireHostHeader', 'joinDuplicateHeaders']) {
    assert.throws(() => new web.AppRunner(app, { [name]: true }), (e: unknown) => e instanceof TypeError && e.message.includes(name));
    assert.throws(() => new TestServer(app, { [name]: true }), TypeError);
  }
});
