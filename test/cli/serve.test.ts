import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { main } from '../../src/cli/serve.js';
import { selfSignedCert } from '../tls-certs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const web = join(root, 'src/web/index.ts');

function fixture(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'app.mts');
  writeFileSync(file, `import * as web from ${JSON.stringify(web)};
export const app = new web.Application();
app.router.addGet('/', async () => new web.Response({ text: 'served' }));
export function init(argv: string[]) {
  const a = new web.Application();
  a.router.addGet('/', async () => new web.Response({ text: 'init ' + argv.join(',') }));
  return a;
}
export const notAnApp = 42;
`);
  return file;
}

async function serve(t: { after(fn: () => void): void }, args: string[]): Promise<{ port: number; out: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Running on https?:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  return {
    port,
    out: () => out,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited as [number | null];
      return code;
    },
  };
}

test('aiots serve module:app serves the exported Application and exits 0 on SIGTERM', async (t) => {
  const file = fixture(t);
  const s = await serve(t, ['--host', '127.0.0.1', '--port', '0', `${file}:app`]);
  assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'served');
  assert.equal(await s.stop(), 0);
});

test('aiots serve module:init calls the function with the extra arguments', async (t) => {
  const file = fixture(t);
  const s = await serve(t, ['-H', '127.0.0.1', '-P', '0', `${file}:init`, 'a', 'b']);
  assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'init a,b');
  assert.equal(await s.stop(), 0);
});

test('the app\'s arguments after module:init are passed on as they are, options included, without "--"', async (t) => {
  const file = fixture(t);
  const s = await serve(t, ['-P', '0', '-H', '127.0.0.1', `${file}:init`, '--db', 'x.sqlite', '-v', '--port', '9']);
  assert.equal(await (await fetch(`http://127.0.0.1:${s.port}/`)).text(), 'init --db,x.sqlite,-v,--port,9');
  assert.equal(await s.stop(), 0);
});

test('usage errors exit 2, bad modules or exports exit 1', async (t) => {
  const file = fixture(t);
  const errors: string[] = [];
  const logs: string[] = [];
  t.mock.method(console, 'error', (msg: string) => errors.push(msg));
  t.mock.method(console, 'log', (msg: string) => logs.push(msg));
  assert.equal(await main(['--help']), 0);
  assert.match(logs[0]!, /usage: aiots serve/);
  assert.equal(await main([]), 2);
  assert.equal(await main(['nocolon']), 2);
  assert.equal(await main(['--port', 'x', `${file}:app`]), 2);
  assert.equal(await main(['--bogus']), 2);
  assert.equal(await main(['./does-not-exist.ts:app']), 1);
  assert.equal(await main([`${file}:notAnApp`]), 1);
  assert.match(errors.at(-1)!, /is not an Application/);
});

test('aiots serve --ssl-cert/--ssl-key serves HTTPS; one without the other, or an unreadable file, is refused', async (t) => {
  const file = fixture(t);
  const dir = mkdtempSync(join(tmpdir(), 'aiots-serve-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = selfSignedCert();
  writeFileSync(join(dir, 'cert.pem'), cert.cert);
  writeFileSync(join(dir, 'key.pem'), cert.key);
  const s = await serve(t, ['--host', '127.0.0.1', '--port', '0', '--ssl-cert', join(dir, 'cert.pem'), '--ssl-key', join(dir, 'key.pem'), `${file}:app`]);
  assert.match(s.out(), /Running on https:\/\/127\.0\.0\.1:\d+/);
  const body = await new Promise<string>((resolve, reject) => {
    httpsRequest(`https://127.0.0.1:${s.port}/`, { ca: cert.cert, agent: false }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve(b));
    }).on('error', reject).end();
  });
  assert.equal(body, 'served');
  assert.equal(await s.stop(), 0);

  const errors: string[] = [];
  t.mock.method(console, 'error', (msg: string) => errors.push(msg));
  assert.equal(await main(['--ssl-cert', join(dir, 'cert.pem'), `${file}:app`]), 2);
  assert.match(errors.at(-1)!, /--ssl-cert and --ssl-key go together \(got only --ssl-cert\)/);
  assert.equal(await main(['--ssl-cert', join(dir, 'nope.pem'), '--ssl-key', join(dir, 'key.pem'), `${file}:app`]), 1);
  assert.match(errors.at(-1)!, /cannot read the certificate or key: .*nope\.pem/);
  // Both files given the wrong way round: the key is not a certificate.
  assert.equal(await main(['--ssl-cert', join(dir, 'key.pem'), '--ssl-key', join(dir, 'cert.pem'), `${file}:app`]), 1);
  assert.match(errors.at(-1)!, /aiots serve: runApp\(\): ssl: /);
});
