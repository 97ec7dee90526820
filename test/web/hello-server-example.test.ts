// The seed's third program, run as a process: both routes answer, SIGTERM
// shuts it down cleanly with exit code 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('examples/hello_server.ts serves / and /hello/{name}, then exits 0 on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/hello_server.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('========')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
  });
  assert.match(stdout, /======== Running on http:\/\/127\.0\.0\.1:8000 ========/);
  const [index, hello] = await Promise.all([fetch('http://127.0.0.1:8000/'), fetch('http://127.0.0.1:8000/hello/seed')]);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html');
  assert.equal(await index.text(), '<h1>Index</h1>');
  assert.equal(hello.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(await hello.text(), '<h1>hello, seed!</h1>');
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code, signal] = await exited as [number | null, string | null];
  assert.equal(signal, null);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /"GET \/hello\/seed HTTP\/1\.1" 200 21 /);
  assert.equal(stderr, '');
});
