// Debug mode, as asyncio's: slow steps are logged with the task name and where
// it was created; a failed task nobody awaited is logged once collected.
// Each case runs in a child process (debug mode installs async hooks; GC).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

interface ChildResult { code: number | null; stdout: string; stderr: string }

function runFixture(args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<ChildResult> {
  const file = fileURLToPath(new URL(`fixtures/${args[0]!}`, import.meta.url));
  const childEnv = { ...process.env, ...env };
  if (env['AIOTS_DEBUG'] === undefined) delete childEnv['AIOTS_DEBUG'];
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', file, ...args.slice(1)], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// Each case is its own process: run them side by side.
describe('debug mode', { concurrency: true }, () => {
  for (const how of ['AIOTS_DEBUG=1', 'run(main, { debug: true })']) {
    test(`${how}: a slow step is logged with the task name and where the task was created`, async () => {
      const r = how === 'AIOTS_DEBUG=1' ? await runFixture(['debug-slow.ts'], { AIOTS_DEBUG: '1' }) : await runFixture(['debug-slow.ts', 'run']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /done/);
      // The first step of a task runs in a callback queued by its creator:
      // it is still reported under the task's own name.
      for (const name of ['main', 'first-blocker', 'later-blocker']) {
        assert.match(r.stderr, new RegExp(`Executing task ${name} took 0\\.\\d{3} seconds\\ntask: ${name}\\ntask created at:\\n[^\\n]*\\n?[\\s\\S]*debug-slow\\.ts`));
      }
    });
  }

  // asyncio logs slow steps through its logger, not the exception handler:
  // Node's twin is a process warning (stderr by default, process.on('warning'),
  // --no-warnings to silence).
  test('a slow step is a process warning (AiotsSlowCallbackWarning), not a report to the exception handler', async () => {
    const r = await runFixture(['debug-slow.ts', 'run', 'observe']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /warning AiotsSlowCallbackWarning AIOTS_SLOW_CALLBACK Executing task main took 0\.\d{3} seconds/);
    assert.match(r.stdout, /warning AiotsSlowCallbackWarning AIOTS_SLOW_CALLBACK Executing task later-blocker took/);
    assert.doesNotMatch(r.stdout, /handler/);
    const quiet = await runFixture(['debug-slow.ts', 'run'], {}, ['--no-warnings']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
  });

  test('debug mode is off by default: no warning', async () => {
    const r = await runFixture(['debug-slow.ts']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  test('a failed task nobody awaited is logged as "Task exception was never retrieved"', async () => {
    const r = await runFixture(['debug-unretrieved.ts'], {}, ['--expose-gc']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /done/);
    assert.match(r.stderr, /Task exception was never retrieved/);
    assert.match(r.stderr, /task: lonely/);
    assert.match(r.stderr, /nobody looked at me/);
    assert.doesNotMatch(r.stderr, /watched|was awaited/);
    assert.equal(r.stderr.match(/never retrieved/g)?.length, 1);
  });

  test('in debug mode the never-retrieved report says where the task was created', async () => {
    const r = await runFixture(['debug-unretrieved.ts'], { AIOTS_DEBUG: '1' }, ['--expose-gc']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Task exception was never retrieved\ntask: lonely\ntask created at:\n[\s\S]*debug-unretrieved\.ts/);
  });
});
