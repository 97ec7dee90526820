import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('examples/hello.ts prints both lines, one second apart', async () => {
  const t0 = performance.now();
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'examples/hello.ts'], { cwd: root }, (err, stdout, stderr) => {
      if (err) reject(err);
      else resolve({ stdout, stderr });
    });
  });
  const elapsed = (performance.now() - t0) / 1000;
  assert.equal(stdout, 'Hello world!\nHello again!\n');
  assert.equal(stderr, '');
  // A lower bound only: the sleep never ends early; no upper bound on a shared machine.
  assert.ok(elapsed >= 1, `took ${elapsed} s`);
});
