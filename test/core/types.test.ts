// Compile-time checks of the public types, checked by `tsc --noEmit` (the
// runtime part only makes the file a valid test). A line marked with the TS
// expect-error directive fails the typecheck if it stops being an error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Future, Queue, Task, TaskGroup, asCompleted, createTask, gather, shield, sleep, timeout, wait, waitFor, type Awaitable, type Timeout,
} from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T extends true>(_: T): void {}

async function typeChecks(): Promise<void> {
  const t: Task<number> = createTask(async () => 1);
  const s: Task<string> = createTask(() => 'sync');
  const n: number = await t;
  const r: string = s.result();
  expectType<Equal<typeof n, number>>(true);
  expectType<Equal<typeof r, string>>(true);
  void [n, r];

  // @ts-expect-error a promise is not a function: createTask needs () => promise
  createTask(Promise.resolve(1));
  // @ts-expect-error the result type is checked
  const wrong: Task<string> = createTask(async () => 1);
  void wrong;

  // gather keeps the tuple of result types, in order.
  const g = await gather(() => sleep(0, 'a'), createTask(async () => 2), Promise.resolve(true), new Future<bigint>());
  expectType<Equal<typeof g, [string, number, boolean, bigint]>>(true);
  void g;
  const [ga, gb] = await gather(createTask(async () => 'x'), createTask(async () => 1));
  expectType<Equal<typeof ga, string>>(true);
  expectType<Equal<typeof gb, number>>(true);
  void [ga, gb];
  // With returnExceptions each slot may hold an Error.
  const ge = await gather(createTask(async () => 1), { returnExceptions: true });
  expectType<Equal<typeof ge, [number | Error]>>(true);
  void ge;

  const wf: string = await waitFor(() => sleep(0, 'w'), 1);
  const sh: number = await shield(createTask(async () => 3));
  const to: number = await timeout(1, (h: Timeout) => h.when() ?? 0);
  void [wf, sh, to];

  // wait() hands back the tasks it ran or was given; a bare Future stays a Future.
  const [done, pending] = await wait([createTask(async () => 1)]);
  expectType<Equal<typeof done, Set<Task<number>>>>(true);
  void [done, pending];
  const [fromFns] = await wait([() => sleep(0, 'a'), Promise.resolve('b')]);
  expectType<Equal<typeof fromFns, Set<Task<string>>>>(true);
  const [mixed] = await wait([new Future<bigint>(), createTask(async () => 's')]);
  expectType<Equal<typeof mixed, Set<Future<bigint> | Task<string>>>>(true);
  const [explicit] = await wait<unknown>([createTask(async () => 1)]);
  expectType<Equal<typeof explicit, Set<Future<unknown>>>>(true);
  void [fromFns, mixed, explicit];
  const next = await asCompleted([() => sleep(0, 1)]).next();
  if (next.done !== true) expectType<Equal<typeof next.value, Task<number>>>(true);

  const body: [Task<number>, Task<string>] = await TaskGroup.run((tg) => [tg.createTask(async () => 1), tg.createTask(async () => 's')]);
  void body;

  const q = new Queue<string>(10);
  const item: string = await q.get();
  // @ts-expect-error a Queue<string> takes strings
  await q.put(1);
  void item;

  const aw: Awaitable<number> = () => Promise.resolve(1);
  void aw;
  const f = new Future<number>();
  // @ts-expect-error setResult checks its argument type
  f.setResult('1');
  const asThenable: PromiseLike<number> = f;
  void asThenable;
}

test('the type checks compile (see tsc --noEmit)', () => {
  assert.equal(typeof typeChecks, 'function');
});
