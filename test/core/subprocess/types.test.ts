// Compile-time checks of the subprocess types, checked by `tsc --noEmit` (the
// runtime part only makes the file a valid test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PIPE, STDOUT, createSubprocessExec, createSubprocessShell, type Process, type StreamReader, type StreamWriter } from '../../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T extends true>(_: T): void {}

async function typeChecks(): Promise<void> {
  const a = await createSubprocessExec('ls', ['-l'], { stdout: PIPE, stderr: STDOUT });
  const b = await createSubprocessExec('ls', { cwd: '/' });
  const c = await createSubprocessShell('ls | wc -l', { stdout: PIPE });
  expectType<Equal<typeof a, Process>>(true);
  expectType<Equal<typeof b, Process>>(true);
  expectType<Equal<typeof c, Process>>(true);
  const out = await a.communicate(Buffer.from('x'));
  expectType<Equal<typeof out, [Buffer | null, Buffer | null]>>(true);
  void [b, c, out];
  expectType<Equal<typeof a.stdin, StreamWriter | null>>(true);
  expectType<Equal<typeof a.stdout, StreamReader | null>>(true);
  expectType<Equal<typeof a.returncode, number | null>>(true);
  const rc: number = await a.wait();
  void rc;
  a.sendSignal('SIGTERM');
  a.sendSignal(15);
  // @ts-expect-error not a signal name
  a.sendSignal('SIGNOPE');
  // @ts-expect-error args are one array of strings, not spread
  await createSubprocessExec('ls', '-l', '-a');
  // @ts-expect-error args are strings
  await createSubprocessExec('ls', [1]);
  // @ts-expect-error returncode is read-only
  a.returncode = 0;
  // @ts-expect-error an unknown option
  await createSubprocessShell('ls', { shell: true });
}

test('subprocess types (checked by tsc)', () => {
  assert.equal(typeof typeChecks, 'function');
});
