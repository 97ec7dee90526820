// The subprocess examples of CPython's asyncio docs (asyncio-subprocess.rst):
// run shell commands and collect their output, two of them at once; then read
// the date from `date`, started without a shell.
import { PIPE, createSubprocessExec, createSubprocessShell, gather, run } from 'aiots';

async function runCommand(cmd: string): Promise<void> {
  const proc = await createSubprocessShell(cmd, { stdout: PIPE, stderr: PIPE });
  const [stdout, stderr] = await proc.communicate();
  console.log(`[${JSON.stringify(cmd)} exited with ${proc.returncode}]`);
  if (stdout !== null && stdout.length > 0) console.log(`[stdout]\n${stdout.toString()}`);
  if (stderr !== null && stderr.length > 0) console.log(`[stderr]\n${stderr.toString()}`);
}

async function getDate(): Promise<string> {
  // No shell: the program and its arguments are passed as they are.
  const proc = await createSubprocessExec('date', ['-u', '+%Y-%m-%d %H:%M:%S'], { stdout: PIPE });
  // Read one line of output, then wait for the child to exit.
  const line = (await proc.stdout!.readline()).toString().trimEnd();
  await proc.wait();
  return line;
}

await run(async () => {
  await runCommand('ls /zzz');
  // Two commands at once: the whole run takes about one second, not more.
  await gather(runCommand('ls /zzz'), runCommand('sleep 1; echo "hello"'));
  console.log(`Current date: ${await getDate()}`);
});
