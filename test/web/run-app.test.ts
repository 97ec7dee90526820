// runApp as a process: the banner, SIGTERM → exit 0, workers via node:cluster.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';

const web = fileURLToPath(new URL('../../src/web/index.ts', import.meta.url));

function script(t: TestContext, options: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-runapp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'server.mts');
  writeFileSync(file, `import * as web from ${JSON.stringify(web)};
const app = new web.Application();
app.router.addGet('/', async () => new web.Response({ text: String(process.pid) }));
app.onCleanup.push(async () => { console.log('cleanup ' + process.pid); });
web.runApp(app, ${options});
`);
  return file;
}

async function start(t: TestContext, file: string): Promise<{ url: string; out: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Running on (http:\/\/[^ ,]+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  return {
    url,
    out: () => out,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited as [number | null];
      assert.equal(err, '');
      return code;
    },
  };
}

test('runApp prints the real address, serves, and exits 0 on SIGTERM after cleanup', async (t) => {
  const s = await start(t, script(t, `{ host: '127.0.0.1', port: 0, accessLog: null }`));
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(s.url + '/');
  assert.equal(res.status, 200);
  assert.equal(await s.stop(), 0);
  assert.match(s.out(), /cleanup \d+/);
});

test('runApp with workers forks processes that share the port', async (t) => {
  const s = await start(t, script(t, `{ host: '127.0.0.1', port: 0, accessLog: null, workers: 2 }`));
  assert.match(s.out(), /with 2 workers/);
  const pids = new Set<string>();
  for (let i = 0; i < 20 && pids.size < 2; i++) {
    const res = await fetch(s.url + '/', { headers: { connection: 'close' } });
    pids.add(await res.text());
  }
  assert.equal(pids.size, 2);
  assert.equal(await s.stop(), 0);
  assert.equal(s.out().match(/cleanup \d+/g)?.length, 2);
});
