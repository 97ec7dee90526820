// Every options object of `aiots` refuses a name it does not know, naming it
// and, for a snake_case / asyncio one, the aiots name.
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  asCompleted, Barrier, BoundedSemaphore, Condition, createTask, Event, gather, LifoQueue, Lock, newEventLoop, openConnection, openUnixConnection,
  PriorityQueue, Queue, run, Semaphore, sleep, startServer, startUnixServer, StreamReader, toThreadWith, wait, waitFor,
} from '../../src/index.js';
import { refusesOption } from '../helpers/refuses-option.js';

const done = (): Promise<number> => Promise.resolve(1);
const onClient = async (): Promise<void> => {};

const cases: [string, () => unknown, RegExp][] = [
  ['createTask', () => createTask(done, { nam: 'x' } as never), /^createTask\(\): unknown option "nam"; did you mean "name"\?$/],
  ['loop.createTask', () => newEventLoop().createTask(done, { task_name: 'x' } as never), /createTask\(\): unknown option "task_name"/],
  ['gather', () => gather(done, { return_exceptions: true } as never), /^gather\(\): unknown option "return_exceptions"; did you mean "returnExceptions"\?$/],
  ['wait', () => wait([done()], { return_when: 'FIRST_COMPLETED' } as never), /^wait\(\): unknown option "return_when"; did you mean "returnWhen"\?$/],
  ['asCompleted', () => asCompleted([done()], { timout: 1 } as never), /^asCompleted\(\): unknown option "timout"; did you mean "timeout"\?$/],
  ['waitFor', () => waitFor(done(), 1, { timeout: 1 } as never), /^waitFor\(\): unknown option "timeout"; known options: signal$/],
  ['sleep', () => sleep(0, undefined, { signl: undefined } as never), /^sleep\(\): unknown option "signl"; did you mean "signal"\?$/],
  ['run', () => run(done, { debg: true } as never), /^run\(\): unknown option "debg"; did you mean "debug"\?$/],
  ['toThreadWith', () => toThreadWith((x: number) => x, [1], { timeout: 1 } as never), /^toThreadWith\(\): unknown option "timeout"/],
  ['Queue.get', () => new Queue().get({ block: false } as never), /^Queue\.get\(\): unknown option "block"/],
  ['Queue.put', () => new Queue().put(1, { timeout: 1 } as never), /^Queue\.put\(\): unknown option "timeout"/],
  ['LifoQueue.join', () => new LifoQueue().join({ timeout: 1 } as never), /^LifoQueue\.join\(\): unknown option "timeout"/],
  ['PriorityQueue', () => new PriorityQueue(0, { key: (a: number) => a } as never), /^PriorityQueue\(\): unknown option "key"; known options: compare$/],
  ['Lock.acquire', () => new Lock().acquire({ blocking: false } as never), /^Lock\.acquire\(\): unknown option "blocking"/],
  ['Event.wait', () => new Event().wait({ timeout: 1 } as never), /^Event\.wait\(\): unknown option "timeout"/],
  ['Condition.acquire', () => new Condition().acquire({ timeout: 1 } as never), /^Condition\.acquire\(\): unknown option "timeout"/],
  ['Condition.waitFor', () => new Condition().waitFor(() => true, { timeout: 1 } as never), /^Condition\.waitFor\(\): unknown option "timeout"/],
  ['Semaphore.acquire', () => new Semaphore(1).acquire({ timeout: 1 } as never), /^Semaphore\.acquire\(\): unknown option "timeout"/],
  ['BoundedSemaphore.acquire', () => new BoundedSemaphore(1).acquire({ timeout: 1 } as never), /acquire\(\): unknown option "timeout"/],
  ['Barrier.wait', () => new Barrier(2).wait({ timeout: 1 } as never), /^Barrier\.wait\(\): unknown option "timeout"/],
  ['StreamReader', () => new StreamReader({ limt: 10 } as never), /^StreamReader\(\): unknown option "limt"; did you mean "limit"\?$/],
  ['StreamReader.readline', () => new StreamReader().readline({ timeout: 1 } as never), /^StreamReader\.readline\(\): unknown option "timeout"/],
  ['StreamReader.readuntil', () => new StreamReader().readuntil('\n', { timeout: 1 } as never), /^StreamReader\.readuntil\(\): unknown option "timeout"/],
  ['StreamReader.read', () => new StreamReader().read(1, { timeout: 1 } as never), /^StreamReader\.read\(\): unknown option "timeout"/],
  ['StreamReader.readexactly', () => new StreamReader().readexactly(1, { timeout: 1 } as never), /^StreamReader\.readexactly\(\): unknown option "timeout"/],
  ['StreamReader.readany', () => new StreamReader().readany({ timeout: 1 } as never), /^StreamReader\.readany\(\): unknown option "timeout"/],
  ['openConnection', () => openConnection('127.0.0.1', 1, { ssl_context: {} } as never), /^openConnection\(\): unknown option "ssl_context"; did you mean "ssl"\?$/],
  ['openConnection (asyncio name)', () => openConnection('127.0.0.1', 1, { server_hostname: 'x' } as never), /did you mean "serverHostname"\?$/],
  ['openUnixConnection', () => openUnixConnection('/nonexistent.sock', { local_addr: ['127.0.0.1', 0] } as never), /^openUnixConnection\(\): unknown option "local_addr"/],
  ['startServer', () => startServer(onClient, '127.0.0.1', 0, { reuse_port: true } as never), /^startServer\(\): unknown option "reuse_port"; did you mean "reusePort"\?$/],
  ['startUnixServer', () => startUnixServer(onClient, join(mkdtempSync(join(tmpdir(), 'aiots-')), 's.sock'), { ssl_context: {} } as never), /^startUnixServer\(\): unknown option "ssl_context"; did you mean "ssl"\?$/],
  ['options that are not an object', () => sleep(0, undefined, 'signal' as never), /^sleep\(\): options must be an object, got string "signal"$/],
];

describe('unknown options in aiots (core)', () => {
  for (const [name, fn, expected] of cases) {
    it(`${name} refuses an unknown option`, () => refusesOption(fn, expected));
  }

  it('known names, and undefined values of them, still pass', async () => {
    await sleep(0, undefined, { signal: undefined });
    await wait([done()], { timeout: null, returnWhen: 'ALL_COMPLETED' });
    await gather(done, { returnExceptions: true });
    new StreamReader({ limit: 10 });
  });
});

describe('unknown options of StreamWriter (core)', () => {
  it('drain(), waitClosed() and startTls() refuse unknown options', async () => {
    const server = await startServer(async (_r, w) => w.close(), '127.0.0.1', 0);
    const { port } = server.sockets[0] as AddressInfo;
    const [, writer] = await openConnection('127.0.0.1', port);
    try {
      await refusesOption(() => writer.drain({ timeout: 1 } as never), /^StreamWriter\.drain\(\): unknown option "timeout"; known options: signal$/);
      await refusesOption(() => writer.waitClosed({ timeout: 1 } as never), /^StreamWriter\.waitClosed\(\): unknown option "timeout"/);
      await refusesOption(() => writer.startTls(true, { server_hostname: 'x' } as never), /^StreamWriter\.startTls\(\): unknown option "server_hostname"; did you mean "serverHostname"\?$/);
    } finally {
      writer.close();
      server.close();
    }
  });
});
