// The export surface of `aiots`: every core name DESIGN.md lists is exported
// with the right kind (the streams names are checked by the streams tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as aiots from '../../src/index.js';

const functions = [
  'run', 'getEventLoop', 'newEventLoop', 'setEventLoop', 'sleep', 'createTask', 'gather', 'wait', 'waitFor', 'timeout',
  'timeoutAt', 'asCompleted', 'shield', 'currentTask', 'allTasks', 'toThread', 'isCancellation', 'ensureFuture',
];
const classes = [
  'EventLoop', 'Task', 'Future', 'TaskGroup', 'Timeout', 'Handle', 'TimerHandle', 'Lock', 'Event', 'Condition', 'Semaphore',
  'BoundedSemaphore', 'Barrier', 'Queue', 'PriorityQueue', 'LifoQueue',
];
const errors = [
  'AiotsError', 'CancelledError', 'TimeoutError', 'InvalidStateError', 'IncompleteReadError', 'LimitOverrunError',
  'QueueEmpty', 'QueueFull', 'QueueShutDown', 'BrokenBarrierError', 'KeyboardInterrupt',
];

const exported = aiots as unknown as Record<string, unknown>;

for (const name of functions) {
  test(`aiots exports the function ${name}`, () => {
    assert.equal(typeof exported[name], 'function', `${name} is missing`);
  });
}

for (const name of classes) {
  test(`aiots exports the class ${name}`, () => {
    const C = exported[name];
    assert.equal(typeof C, 'function', `${name} is missing`);
    assert.equal((C as { name: string }).name, name);
  });
}

for (const name of errors) {
  test(`aiots exports the error ${name}, an Error with a stable code and its own name`, () => {
    const E = exported[name] as (new (...args: unknown[]) => Error & { code: string }) | undefined;
    assert.equal(typeof E, 'function', `${name} is missing`);
    const e = name === 'IncompleteReadError' ? new E!(Buffer.alloc(0), 1) : name === 'LimitOverrunError' ? new E!('m', 0) : new E!('m');
    assert.ok(e instanceof Error);
    assert.ok(e instanceof aiots.AiotsError);
    assert.equal(e.name, name);
    assert.match(e.code, /^AIOTS_ERR/);
  });
}

test('asyncio names map to the aiots names (porting spot checks)', () => {
  assert.equal(aiots.TimeoutError.name, 'TimeoutError');
  assert.equal(aiots.CancelledError.name, 'CancelledError');
  assert.equal(new aiots.CancelledError().code, 'AIOTS_ERR_CANCELLED');
  assert.equal(new aiots.TimeoutError().code, 'AIOTS_ERR_TIMEOUT');
  // Python's TimeoutError is not a cancellation.
  assert.equal(aiots.isCancellation(new aiots.TimeoutError()), false);
});
