// Bad input to createSubprocessExec/Shell and Process: clear errors, no crash, no stray child.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CancelledError, FileNotFoundError, InvalidStateError, PIPE, ProcessLookupError, STDOUT,
  createSubprocessExec, createSubprocessShell, createTask,
} from '../../../src/index.js';

test('a program that does not exist: FileNotFoundError naming it, with Node\'s ENOENT as cause', async () => {
  const err = await createSubprocessExec('no-such-program-aiots', ['x'], { stdout: PIPE }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof FileNotFoundError);
  assert.equal(err.filename, 'no-such-program-aiots');
  assert.match(err.message, /no-such-program-aiots/);
  assert.equal(err.code, 'AIOTS_ERR_FILE_NOT_FOUND');
  assert.equal((err.cause as { code?: string }).code, 'ENOENT');
  // By path too, and with stderr=STDOUT (which goes through a shell).
  await assert.rejects(createSubprocessExec('/no/such/dir/prog'), FileNotFoundError);
  await assert.rejects(createSubprocessExec('no-such-program-aiots', [], { stdout: PIPE, stderr: STDOUT }), { name: 'FileNotFoundError', filename: 'no-such-program-aiots' });
});

test('a working directory that does not exist: FileNotFoundError naming the directory', async () => {
  await assert.rejects(createSubprocessExec('true', [], { cwd: '/no/such/dir-aiots' }), (e: unknown) => {
    assert.ok(e instanceof FileNotFoundError);
    assert.equal(e.filename, '/no/such/dir-aiots');
    assert.match(e.message, /cwd/);
    return true;
  });
});

const badCalls: [string, () => Promise<unknown>, RegExp][] = [
  ['program not a string', () => createSubprocessExec(42 as unknown as string), /program must be a string, got number 42/],
  ['empty program', () => createSubprocessExec(''), /program must not be empty/],
  ['args a string', () => createSubprocessExec('ls', '-l' as unknown as string[]), /args must be an array of strings/],
  ['an arg not a string', () => createSubprocessExec('echo', ['a', 1 as unknown as string]), /args\[1\] must be a string, got number 1/],
  ['an arg with NUL', () => createSubprocessExec('echo', ['a\0b']), /args\[0\] must not contain a NUL byte/],
  ['cmd not a string', () => createSubprocessShell(['ls'] as unknown as string), /cmd must be a string, got an array/],
  ['STDOUT for stdout', () => createSubprocessExec('true', [], { stdout: STDOUT }), /STDOUT is only valid for stderr/],
  ['STDOUT for stdin', () => createSubprocessShell('true', { stdin: STDOUT }), /STDOUT is only valid for stderr/],
  ['stdout a string', () => createSubprocessExec('true', [], { stdout: 'pipe' as unknown as number }), /stdout must be PIPE, DEVNULL, a file descriptor or null/],
  ['stdio -7', () => createSubprocessExec('true', [], { stdin: -7 }), /stdin must be PIPE/],
  ['snake_case option', () => createSubprocessExec('true', [], { start_new_session: true } as never), /unknown option "start_new_session"; did you mean "startNewSession"/],
  ['unknown option', () => createSubprocessExec('true', [], { shell: true } as never), /unknown option "shell"/],
  ['env value not a string', () => createSubprocessExec('true', [], { env: { A: 1 } as never }), /env\.A must be a string/],
  ['cwd not a string', () => createSubprocessExec('true', [], { cwd: 1 as never }), /cwd must be a string/],
  ['limit 0', () => createSubprocessExec('true', [], { limit: 0 }), /limit must be >= 1/],
];
for (const [name, call, message] of badCalls) {
  test(`bad input: ${name}`, async () => {
    await assert.rejects(call(), message);
  });
}

test('sendSignal: unknown names and bad values are TypeErrors; after exit, ProcessLookupError', async () => {
  const proc = await createSubprocessExec('sleep', ['30']);
  assert.throws(() => proc.sendSignal('SIGNOPE' as NodeJS.Signals), /unknown signal "SIGNOPE"/);
  assert.throws(() => proc.sendSignal(-1), /signal must be a signal name or a non-negative integer/);
  assert.throws(() => proc.sendSignal(1.5), TypeError);
  proc.kill();
  assert.equal(await proc.wait(), -9);
  assert.throws(() => proc.kill(), ProcessLookupError);
  assert.throws(() => proc.terminate(), /has already exited/);
});

test('writing to the stdin of a child that exited: drain() rejects with EPIPE or ECONNRESET (test_stdin_broken_pipe)', async () => {
  const proc = await createSubprocessExec('true', [], { stdin: PIPE });
  await proc.wait();
  await assert.rejects(async () => {
    // Enough to fill the pipe, in case the first write is accepted before the error is seen.
    for (let i = 0; i < 64; i++) {
      proc.stdin!.write(Buffer.alloc(1024 * 1024));
      await proc.stdin!.drain();
    }
  }, (e: { code?: string }) => e.code === 'EPIPE' || e.code === 'ECONNRESET');
});

test('writing after stdin.close() is InvalidStateError; communicate() input without stdin PIPE is a TypeError', async () => {
  const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
  proc.stdin!.close();
  assert.throws(() => proc.stdin!.write('x'), InvalidStateError);
  assert.equal(await proc.wait(), 0);
  const noStdin = await createSubprocessExec('true');
  await assert.rejects(noStdin.communicate('x'), /input was given but the process was not started with stdin: PIPE/);
  await assert.rejects(noStdin.communicate(42 as never), /input must be a Buffer, Uint8Array or string, got number 42/);
  await assert.rejects(noStdin.wait({ timeout: 1 } as never), /unknown option "timeout"/);
});

test('a task cancelled while the child starts, or an aborted signal: CancelledError', async () => {
  const task = createTask(() => createSubprocessExec('sleep', ['30']));
  task.cancel();
  await assert.rejects(task, CancelledError);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(createSubprocessExec('sleep', ['30'], { signal: ac.signal }), CancelledError);
});

test('other OS errors at start are Node\'s, with their code (asyncio: PermissionError, OSError)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aiots-sub-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'not-executable.sh');
  writeFileSync(script, 'echo hi\n', { mode: 0o644 });
  await assert.rejects(createSubprocessExec(script), { code: 'EACCES' });
  await assert.rejects(createSubprocessExec(dir), { code: 'EACCES' });
  // Arguments past the kernel's limit.
  await assert.rejects(createSubprocessExec('true', ['x'.repeat(4 * 1024 * 1024)]), { code: 'E2BIG' });
});
