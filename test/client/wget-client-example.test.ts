// examples/wget_client.ts against local servers: every URL is fetched, the
// concurrency cap holds, and a server that never answers times out alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serve, serveRaw } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runExample(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'examples/wget_client.ts', ...args], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

test('wget_client fetches every URL with a cap, each within its timeout', async (t) => {
  let active = 0;
  let peak = 0;
  const { url } = await serve(t, (req, res) => {
    peak = Math.max(peak, ++active);
    setTimeout(() => {
      active--;
      res.setHeader('x-path', req.url ?? '');
      res.end('<h1>body ignored</h1>');
    }, 20);
  });
  const silent = await serveRaw(t, () => {});
  const urls = [1, 2, 3, 4, 5].map((i) => `${url}/page/${i}`);
  const { stdout, stderr } = await runExample(['--limit', '2', '--timeout', '1', ...urls, `${silent.url}/never`]);
  assert.equal(stderr, '');
  for (const u of urls) {
    assert.match(stdout, new RegExp(`^wget ${u}\\.\\.\\.$`, 'm'));
    assert.match(stdout, new RegExp(`^${u} header > HTTP/1.1 200 OK$`, 'm'));
    assert.match(stdout, new RegExp(`^${u} header > x-path: ${new URL(u).pathname}$`, 'm'));
    assert.match(stdout, new RegExp(`^${u} done: 200$`, 'm'));
  }
  assert.match(stdout, new RegExp(`^${silent.url}/never failed: TotalTimeoutError: .*total 1 s$`, 'm'));
  assert.ok(peak <= 2, `peak concurrency ${peak}`);
});
