// examples/signals.ts, CPython's signal handler example: the handler's
// loop.stop() ends run(main) with InvalidStateError, as asyncio.run() raises
// RuntimeError there, so the process ends (exit code 1) instead of sleeping
// for an hour.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function runExample(sig: NodeJS.Signals): Promise<Result> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/examples/fixtures/signal-handlers-ready.ts', 'examples/signals.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  // Before the fix the example slept for an hour: fail instead of hanging.
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 30_000);
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (!sent && stderr.includes('[signal handlers ready]\n')) {
      sent = true;
      child.kill(sig);
    }
  });
  return new Promise((resolve) => child.on('close', (code, signal) => {
    clearTimeout(watchdog);
    resolve({ code, signal, stdout, stderr });
  }));
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`examples/signals.ts: ${sig} runs the handler, whose loop.stop() ends run() with InvalidStateError (exit code 1)`, async () => {
    const r = await runExample(sig);
    assert.match(r.stdout, /^Event loop running for 1 hour, press Ctrl\+C to interrupt\.\npid \d+: send SIGINT or SIGTERM to exit\.\n/);
    assert.match(r.stdout, new RegExp(`got signal ${sig}: exit\\n$`));
    assert.match(r.stderr, /InvalidStateError: run\(\): the event loop was stopped before the future completed/);
    assert.doesNotMatch(r.stderr, /KeyboardInterrupt/);
    assert.equal(r.signal, null);
    assert.equal(r.code, 1, r.stderr);
  });
}
