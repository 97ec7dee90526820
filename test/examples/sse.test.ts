// examples/sse.ts run as a process: a real client reads its ticks, hangs
// up, reconnects with Last-Event-ID and gets the next tick, not the first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openEventStream } from '../web/sse-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('examples/sse.ts streams ticks and resumes after Last-Event-ID', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/sse.ts'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: '0', SSE_TICK: '0.01' },
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m !== null) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
  });
  const page = await fetch(`${base}/`);
  assert.match(await page.text(), /new EventSource\('\/events'\)/);

  const first = await openEventStream(`${base}/events`);
  const hello = await first.next();
  assert.deepEqual([hello?.event, hello?.data, hello?.retry], ['hello', 'resuming after 0', 2000]);
  const ticks = [await first.next(), await first.next(), await first.next()];
  assert.deepEqual(ticks.map((e) => [e?.event, e?.id]), [['tick', '1'], ['tick', '2'], ['tick', '3']]);
  assert.match(ticks[0]?.data ?? '', /^tick 1\nat \d{4}-/);
  first.close();

  const again = await openEventStream(`${base}/events`, { 'Last-Event-ID': '3' });
  assert.equal((await again.next())?.data, 'resuming after 3');
  assert.equal((await again.next())?.id, '4');
  again.close();

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
});
