import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { main } from '../../src/cli/serve.js';

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

async function serve(t: { after(fn: () => void): void }, args: string[]): Promise<{ port: number; stop: () => Promise<number | null> }> {
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
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  return {
    port,
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
