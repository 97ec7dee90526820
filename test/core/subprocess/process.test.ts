// Process: pipes, communicate, wait, signals and returncode, as CPython's
// test_asyncio/test_subprocess.py (the cases that apply to Node).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tmpdir } from 'node:os';
import { realpathSync } from 'node:fs';
import {
  CancelledError, DEVNULL, LimitOverrunError, PIPE, STDOUT, createSubprocessExec, createSubprocessShell,
  createTask, sleep, waitFor, TimeoutError,
} from '../../../src/index.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('stdin and stdout pipes: a line in, the same line out (test_stdin_stdout)', async () => {
  const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
  assert.equal(typeof proc.pid, 'number');
  assert.equal(proc.returncode, null);
  proc.stdin!.write('hello\n');
  await proc.stdin!.drain();
  assert.equal((await proc.stdout!.readline()).toString(), 'hello\n');
  proc.stdin!.close(); // cat sees EOF and exits
  assert.equal(await proc.wait(), 0);
  assert.equal(proc.returncode, 0);
  assert.equal((await proc.stdout!.read()).length, 0);
});

test('communicate() sends input, closes stdin and returns both outputs (test_communicate)', async () => {
  const proc = await createSubprocessExec('sh', ['-c', 'cat; echo oops >&2; exit 7'], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
  const [out, err] = await proc.communicate(Buffer.from('data'));
  assert.equal(out?.toString(), 'data');
  assert.equal(err?.toString(), 'oops\n');
  assert.equal(proc.returncode, 7);
});

test('communicate() without input still closes stdin; streams not piped are null (test_empty_input)', async () => {
  const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
  assert.deepEqual(await proc.communicate(), [Buffer.alloc(0), null]);
  const again = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
  assert.deepEqual(await again.communicate(''), [Buffer.alloc(0), null]);
  assert.equal(again.returncode, 0);
});

test('communicate() ignores a child that exits without reading its input (test_communicate_ignore_broken_pipe)', async () => {
  const proc = await createSubprocessExec('true', [], { stdin: PIPE, stdout: PIPE });
  const [out] = await proc.communicate(Buffer.alloc(4 * 1024 * 1024));
  assert.equal(out?.length, 0);
  assert.equal(proc.returncode, 0);
});

test('communicate() moves 64 MiB each way through cat without deadlock', async () => {
  const input = Buffer.alloc(64 * 1024 * 1024);
  for (let i = 0; i < input.length; i += 4096) input.writeUInt32BE(i, i);
  const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
  const [out] = await proc.communicate(input);
  assert.equal(out?.length, input.length);
  assert.ok(out?.equals(input));
});

test('communicate() with 64 MiB in and 64 MiB on both stdout and stderr at once', async () => {
  const input = Buffer.alloc(64 * 1024 * 1024, 0x61);
  input.write('end', input.length - 3);
  // Each chunk of stdin goes to stdout and to stderr: both pipes fill while stdin is still being
  // written. (Not `tee /dev/fd/2`: Node's pipes are socketpairs, which /dev/fd cannot reopen.)
  const copy = 'perl -e \'$| = 1; binmode STDIN; while (read(STDIN, $b, 65536)) { print STDOUT $b; print STDERR $b }\'';
  const proc = await createSubprocessShell(copy, { stdin: PIPE, stdout: PIPE, stderr: PIPE });
  const [out, err] = await proc.communicate(input);
  assert.equal(proc.returncode, 0);
  assert.ok(out?.equals(input), `stdout ${out?.length}`);
  assert.ok(err?.equals(input), `stderr ${err?.length}`);
});

test('shell: createSubprocessShell runs the command through /bin/sh (test_shell)', async () => {
  const proc = await createSubprocessShell('exit 7');
  assert.equal(await proc.wait(), 7);
  const pipe = await createSubprocessShell('echo "$((6 * 7))" | tr 4 x', { stdout: PIPE });
  const [out] = await pipe.communicate();
  assert.equal(out?.toString(), 'x2\n');
  // A command the shell cannot find is its exit status 127, as asyncio, not an exception.
  const missing = await createSubprocessShell('no-such-command-aiots', { stderr: DEVNULL });
  assert.equal(await missing.wait(), 127);
});

test('kill() gives returncode -9, terminate() -15, sendSignal a named or numbered signal (test_kill, test_terminate, test_send_signal)', async () => {
  const a = await createSubprocessExec('sleep', ['30']);
  a.kill();
  assert.equal(await a.wait(), -9);
  const b = await createSubprocessExec('sleep', ['30']);
  b.terminate();
  assert.equal(await b.wait(), -15);
  // The child reports the signal it caught, so the signal did arrive.
  const c = await createSubprocessShell('trap \'echo got HUP; exit 0\' HUP; echo ready; while :; do sleep 0.05; done', { stdout: PIPE });
  assert.equal((await c.stdout!.readline()).toString(), 'ready\n');
  c.sendSignal('SIGHUP');
  assert.equal((await c.stdout!.readline()).toString(), 'got HUP\n');
  assert.equal(await c.wait(), 0);
  const d = await createSubprocessExec('sleep', ['30']);
  d.sendSignal(2);
  assert.equal(await d.wait(), -2);
});

test('returncode is set once the child exits, even before the pipes are read (test_read_stdout_after_process_exit)', async () => {
  const proc = await createSubprocessExec('sh', ['-c', 'echo done'], { stdout: PIPE });
  while (proc.returncode === null) await sleep(0.01);
  assert.equal(proc.returncode, 0);
  assert.equal((await proc.stdout!.read()).toString(), 'done\n');
  assert.equal(await proc.wait(), 0);
});

test('wait() returns when the child exits, though a grandchild still holds its stdout (gh-119710)', async () => {
  // sh starts a background sleep that inherits stdout, prints its pid and exits.
  const proc = await createSubprocessShell('sleep 20 & echo $!', { stdout: PIPE });
  const grandchild = Number((await proc.stdout!.readline()).toString());
  try {
    assert.equal(await proc.wait(), 0);
    // The pipe is still open (the sleep holds it): asyncio 3.12/3.13 would still be waiting here.
    assert.ok(!proc.stdout!.atEof());
    assert.ok(alive(grandchild));
  } finally {
    process.kill(grandchild, 'SIGKILL');
  }
  assert.equal((await proc.stdout!.read()).length, 0);
});

test('kill() then wait() returns even while a grandchild holds the pipes; await using closes them', async () => {
  let grandchild = 0;
  {
    await using proc = await createSubprocessShell('sleep 20 & echo $!; exec sleep 20', { stdout: PIPE, stderr: PIPE });
    grandchild = Number((await proc.stdout!.readline()).toString());
    proc.kill();
    assert.equal(await proc.wait(), -9);
  }
  // The grandchild is not ours to kill (asyncio does not either): it runs on, detached from our pipes.
  assert.ok(alive(grandchild));
  process.kill(grandchild, 'SIGKILL');
});

test('the limit option sets the readers\' limit (readline past it: LimitOverrunError)', async () => {
  const proc = await createSubprocessExec('sh', ['-c', 'printf "%0100d\\nshort\\n" 0'], { stdout: PIPE, limit: 50 });
  assert.equal(proc.stdout!.limit, 50);
  await assert.rejects(proc.stdout!.readline(), LimitOverrunError);
  // As with sockets, the long line is dropped and the stream goes on.
  assert.equal((await proc.stdout!.readline()).toString(), 'short\n');
  await proc.wait();
});

test('stderr=STDOUT merges stderr into the stdout pipe, in order', async () => {
  const proc = await createSubprocessExec('sh', ['-c', 'echo 1; echo 2 >&2; echo 3; echo 4 >&2'], { stdout: PIPE, stderr: STDOUT });
  assert.equal(proc.stderr, null);
  const [out, err] = await proc.communicate();
  assert.equal(out?.toString(), '1\n2\n3\n4\n');
  assert.equal(err, null);
  const shell = await createSubprocessShell('echo a; echo b >&2', { stdout: PIPE, stderr: STDOUT });
  assert.equal((await shell.communicate())[0]?.toString(), 'a\nb\n');
  // Through a file descriptor: stderr goes where stdout goes (here /dev/null).
  const quiet = await createSubprocessShell('echo x >&2', { stdout: DEVNULL, stderr: STDOUT });
  assert.equal(await quiet.wait(), 0);
});

test('DEVNULL: stdin reads EOF, output is dropped (test_devnull_input, test_devnull_output)', async () => {
  const proc = await createSubprocessExec('cat', [], { stdin: DEVNULL, stdout: PIPE });
  assert.equal(proc.stdin, null);
  assert.deepEqual(await proc.communicate(), [Buffer.alloc(0), null]);
  const out = await createSubprocessExec('echo', ['x'], { stdout: DEVNULL });
  assert.equal(out.stdout, null);
  assert.equal(await out.wait(), 0);
});

test('cwd and env reach the child; env replaces the environment', async () => {
  const dir = realpathSync(tmpdir());
  const proc = await createSubprocessExec('sh', ['-c', 'pwd; echo "$AIOTS_X-${HOME:-nohome}"'], { stdout: PIPE, cwd: dir, env: { AIOTS_X: 'y', PATH: process.env.PATH } });
  const [out] = await proc.communicate();
  assert.equal(out?.toString(), `${dir}\ny-nohome\n`);
});

test('startNewSession puts the child in its own session', async () => {
  const proc = await createSubprocessExec('sh', ['-c', 'ps -o sid= -p $$'], { stdout: PIPE, startNewSession: true });
  const [out] = await proc.communicate();
  assert.equal(Number(out?.toString().trim()), proc.pid);
});

test('cancelling a task in wait() leaves the child running; it can still be waited for (test_cancel_process_wait)', async () => {
  const proc = await createSubprocessExec('sleep', ['30']);
  const task = createTask(() => proc.wait());
  await sleep(0.05);
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.equal(proc.returncode, null);
  assert.ok(alive(proc.pid));
  proc.kill();
  assert.equal(await proc.wait(), -9);
});

test('waitFor(proc.wait(), t) times out and the child can then be terminated', async () => {
  const proc = await createSubprocessExec('sleep', ['30']);
  await assert.rejects(waitFor(proc.wait(), 0.05), TimeoutError);
  proc.terminate();
  assert.equal(await proc.wait(), -15);
});

test('cancelling communicate() leaves the child running and its pipes usable (test_cancel_communicate)', async () => {
  const proc = await createSubprocessShell('echo started; exec sleep 30', { stdin: PIPE, stdout: PIPE });
  assert.equal((await proc.stdout!.readline()).toString(), 'started\n');
  const task = createTask(() => proc.communicate());
  await sleep(0.05);
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.ok(alive(proc.pid));
  // No read is left waiting on the reader: a new one is allowed.
  const more = createTask(() => proc.stdout!.read());
  proc.kill();
  assert.equal((await more).length, 0);
  assert.equal(await proc.wait(), -9);
});

test('communicate({ signal }) outside a task: aborting rejects it', async () => {
  const proc = await createSubprocessExec('sleep', ['30'], { stdout: PIPE });
  const ac = new AbortController();
  const p = proc.communicate(null, { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(p, CancelledError);
  proc.kill();
  assert.equal(await proc.wait(), -9);
});

test('await using kills a running child and reaps it; its finally ran', async () => {
  let pid = 0;
  let proc: Awaited<ReturnType<typeof createSubprocessExec>> | undefined;
  {
    await using p = await createSubprocessShell('echo x; exec sleep 30', { stdout: PIPE, stdin: PIPE });
    proc = p;
    pid = p.pid;
    // Output left unread must not keep the dispose waiting.
  }
  assert.equal(proc.returncode, -9);
  assert.ok(!alive(pid));
});

test('await using in a cancelled task kills the child', async () => {
  let pid = 0;
  let cleaned = false;
  const task = createTask(async () => {
    try {
      await using p = await createSubprocessExec('sleep', ['30']);
      pid = p.pid;
      await p.wait();
    } finally {
      cleaned = true;
    }
  });
  while (pid === 0) await sleep(0.01);
  task.cancel();
  await assert.rejects(task, CancelledError);
  assert.ok(cleaned);
  assert.ok(!alive(pid));
});

test('await using a child that already exited keeps its returncode', async () => {
  let proc: Awaited<ReturnType<typeof createSubprocessExec>> | undefined;
  {
    await using p = await createSubprocessExec('sh', ['-c', 'exit 3']);
    await p.wait();
    proc = p;
  }
  assert.equal(proc.returncode, 3);
});

test('wait() from several tasks: all get the returncode', async () => {
  const proc = await createSubprocessShell('exit 5');
  const results = await Promise.all([proc.wait(), proc.wait(), createTask(() => proc.wait())]);
  assert.deepEqual(results, [5, 5, 5]);
  assert.equal(await proc.wait(), 5);
});

test('args may be omitted: createSubprocessExec(program, options)', async () => {
  const proc = await createSubprocessExec('pwd', { stdout: PIPE, cwd: '/' });
  assert.equal((await proc.communicate())[0]?.toString(), '/\n');
});
