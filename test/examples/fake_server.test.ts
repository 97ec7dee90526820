// examples/fake_server.ts (aiohttp's fake_server.py): the fake HTTPS API
// answers the client, which reaches it by name with the certificate checked.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('examples/fake_server.ts: the client gets both answers of the fake graph.facebook.com over HTTPS', async () => {
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'examples/fake_server.ts'], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
  assert.equal(stderr, '');
  const [me, friends, ...rest] = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(rest, []);
  assert.deepEqual(me, { name: 'John Doe', id: '12345678901234567' });
  assert.equal((friends?.summary as { total_count: number }).total_count, 3);
  assert.equal((friends?.data as unknown[]).length, 3);
});
