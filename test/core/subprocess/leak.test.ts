// Finished processes are collected: the Process, its pipes' readers and
// writer of fifty children that ran and exited do not stay reachable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PIPE, createSubprocessExec, createTask } from '../../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('fifty finished processes leave no Process, reader or writer behind', async () => {
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  const n = 50;
  // In a function of its own, so that no local of this frame holds the last one.
  const once = async (i: number): Promise<void> => {
    const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
    // Half through communicate(), half by hand, inside a task.
    if (i % 2 === 0) {
      const [out] = await proc.communicate('x');
      assert.equal(out?.toString(), 'x');
    } else {
      await createTask(async () => {
        proc.stdin!.write('y\n');
        assert.equal((await proc.stdout!.readline()).toString(), 'y\n');
        proc.stdin!.close();
        assert.equal(await proc.wait(), 0);
      });
    }
    registry.register(proc, 'process');
    registry.register(proc.stdout!, 'stdout');
    registry.register(proc.stdin!, 'stdin');
  };
  for (let i = 0; i < n; i++) await once(i);
  for (let i = 0; i < 10 && collected < 3 * n; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(collected, 3 * n);
});
