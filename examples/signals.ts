// CPython's asyncio example "Set signal handlers for SIGINT and SIGTERM"
// (asyncio-eventloop.rst), line for line. As in Python, the handler's
// loop.stop() ends run() with an error (asyncio: RuntimeError "Event loop
// stopped before Future completed."; aiots: InvalidStateError), after the
// main task was cancelled; the process exits with 1.
import { getRunningLoop, run, sleep, type EventLoop } from 'aiots';

function askExit(signame: string, loop: EventLoop) {
  console.log(`got signal ${signame}: exit`);
  loop.stop();
}

async function main() {
  const loop = getRunningLoop();

  for (const signame of ['SIGINT', 'SIGTERM'] as const) {
    loop.addSignalHandler(signame, askExit, signame, loop);
  }

  await sleep(3600);
}

console.log('Event loop running for 1 hour, press Ctrl+C to interrupt.');
console.log(`pid ${process.pid}: send SIGINT or SIGTERM to exit.`);

await run(main);
