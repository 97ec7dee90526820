import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('examples/subprocess.ts runs the asyncio-subprocess.rst examples', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'examples/subprocess.ts'], { cwd: root }, (err, out, errOut) => {
      if (err) reject(new Error(`${err.message}\n${errOut}`));
      else resolve(out);
    });
  });
  const blocks = stdout.split(/(?=^\[")/m);
  // ls of a missing path exits with 2 and says so on stderr (twice: once alone, once in gather).
  const ls = blocks.filter((b) => b.startsWith('["ls /zzz" exited with 2]'));
  assert.equal(ls.length, 2, stdout);
  for (const b of ls) assert.match(b, /\[stderr\]\n.*\/zzz/);
  assert.match(stdout, /^\["sleep 1; echo \\"hello\\"" exited with 0\]\n\[stdout\]\nhello\n/m);
  // The date as `date -u` printed it, and the run ended there.
  const date = /^Current date: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\n$/m.exec(stdout);
  assert.ok(date, stdout);
  assert.ok(Math.abs(Date.parse(`${date[1]}Z`) - Date.now()) < 60_000, date[1]);
});
