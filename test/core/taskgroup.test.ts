// TaskGroup, mirroring what CPython's test_taskgroups.py checks: the first
// failure cancels siblings and the body, all children are awaited, errors
// come out as an AggregateError, cancellation from outside propagates, and
// the parent's cancel count is restored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelledError, Event, InvalidStateError, TaskGroup, TimeoutError, createTask, currentTask, getEventLoop, isCancellation, sleep,
  timeout, type ExceptionContext,
} from '../../src/index.js';

class MyError extends Error {}

test('children run concurrently and the body value is returned', async () => {
  const r = await TaskGroup.run(async (tg) => {
    const a = tg.createTask(() => sleep(0.01, 'a'));
    const b = tg.createTask(() => sleep(0.005, 'b'));
    return [a, b] as const;
  });
  assert.equal(r[0].result(), 'a');
  assert.equal(r[1].result(), 'b');
});

test('the group waits for every child even after the body returned', async () => {
  let finished = false;
  await TaskGroup.run((tg) => {
    tg.createTask(async () => {
      await sleep(0.01);
      finished = true;
    });
  });
  assert.equal(finished, true);
});

test('a failing child cancels its siblings and the body; AggregateError holds the one error', async () => {
  const err = new MyError('child failed');
  const steps: string[] = [];
  let sibling: ReturnType<TaskGroup['createTask']> | undefined;
  await assert.rejects(TaskGroup.run(async (tg) => {
    sibling = tg.createTask(async () => {
      try {
        await sleep(10);
      } finally {
        steps.push('sibling finally');
      }
    });
    tg.createTask(async () => {
      await sleep(0.001);
      throw err;
    });
    try {
      await sleep(10);
    } catch (e) {
      steps.push(isCancellation(e) ? 'body cancelled' : 'body other');
      throw e;
    }
  }), (e: unknown) => {
    assert.ok(e instanceof AggregateError);
    assert.deepEqual(e.errors, [err]);
    assert.match(e.message, /1 sub-exception\)/);
    return true;
  });
  assert.equal(sibling?.cancelled(), true);
  assert.deepEqual(steps.sort(), ['body cancelled', 'sibling finally']);
});

test('two failing children: both errors are collected', async () => {
  const e1 = new MyError('one');
  const e2 = new MyError('two');
  await assert.rejects(TaskGroup.run((tg) => {
    tg.createTask(async () => {
      await sleep(0.001);
      throw e1;
    });
    tg.createTask(async () => {
      try {
        await sleep(10);
      } catch {
        // Fails while being cancelled: this error counts too.
      }
      throw e2;
    });
  }), (e: unknown) => e instanceof AggregateError && e.errors.length === 2 && e.errors.includes(e1) && e.errors.includes(e2));
});

test('an error in the body cancels the children and is aggregated', async () => {
  const err = new MyError('body failed');
  let child: ReturnType<TaskGroup['createTask']> | undefined;
  await assert.rejects(TaskGroup.run(async (tg) => {
    child = tg.createTask(() => sleep(10));
    await sleep(0);
    throw err;
  }), (e: unknown) => e instanceof AggregateError && e.errors.length === 1 && e.errors[0] === err);
  assert.equal(child?.cancelled(), true);
});

test('body error plus child error: both in the AggregateError', async () => {
  const be = new MyError('body');
  const ce = new MyError('child');
  await assert.rejects(TaskGroup.run(async (tg) => {
    tg.createTask(async () => {
      try {
        await sleep(10);
      } finally {
        throw ce;
      }
    });
    await sleep(0);
    throw be;
  }), (e: unknown) => e instanceof AggregateError && e.errors.length === 2 && e.errors.includes(be) && e.errors.includes(ce));
});

test('a child cancelled by itself does not abort the group', async () => {
  const r = await TaskGroup.run(async (tg) => {
    const c = tg.createTask(() => sleep(10));
    const ok = tg.createTask(() => sleep(0.005, 'ok'));
    await sleep(0);
    c.cancel();
    return [c, ok] as const;
  });
  assert.equal(r[0].cancelled(), true);
  assert.equal(r[1].result(), 'ok');
});

test('cancelling the parent task cancels children and ends in CancelledError, not AggregateError', async () => {
  const inside = new Event();
  let child: ReturnType<TaskGroup['createTask']> | undefined;
  const parent = createTask(() => TaskGroup.run(async (tg) => {
    child = tg.createTask(() => sleep(10));
    inside.set();
    await sleep(10);
  }));
  await inside.wait();
  parent.cancel();
  await assert.rejects(parent, CancelledError);
  assert.equal(parent.cancelled(), true);
  assert.equal(child?.cancelled(), true);
});

test('parent cancelled while the group exits (body done, children running)', async () => {
  const inside = new Event();
  const steps: string[] = [];
  const parent = createTask(() => TaskGroup.run((tg) => {
    tg.createTask(async () => {
      try {
        inside.set();
        await sleep(10);
      } finally {
        steps.push('child finally');
      }
    });
  }));
  await inside.wait();
  parent.cancel();
  await assert.rejects(parent, CancelledError);
  assert.deepEqual(steps, ['child finally']);
});

test('a child that ignores cancellation is still awaited', async () => {
  const steps: string[] = [];
  await assert.rejects(TaskGroup.run((tg) => {
    tg.createTask(async () => {
      try {
        await sleep(10);
      } catch {
        steps.push('ignored cancel');
      }
      await sleep(0.01);
      steps.push('stubborn done');
      return 1;
    });
    tg.createTask(async () => {
      await sleep(0.001);
      throw new MyError('x');
    });
  }), AggregateError);
  assert.deepEqual(steps, ['ignored cancel', 'stubborn done']);
});

test('after catching the AggregateError the parent task is not left cancelled', async () => {
  const t = createTask(async () => {
    try {
      await TaskGroup.run(async (tg) => {
        tg.createTask(async () => {
          await sleep(0.001);
          throw new MyError('x');
        });
        await sleep(10);
      });
    } catch (e) {
      assert.ok(e instanceof AggregateError);
    }
    assert.equal(currentTask()!.cancelling(), 0);
    // The body's cancellation was taken back: this sleep completes.
    return sleep(0.001, 'continued');
  });
  assert.equal(await t, 'continued');
});

test('outside cancellation and a child failure together: AggregateError, the cancellation stays counted', async () => {
  const inside = new Event();
  let cancellingAfter = -1;
  const parent = createTask(async () => {
    try {
      await TaskGroup.run(async (tg) => {
        tg.createTask(async () => {
          try {
            inside.set();
            await sleep(10);
          } finally {
            await sleep(0);

            throw new MyError('fails during cancel');
          }
        });
        await sleep(10);
      });
    } catch (e) {
      cancellingAfter = currentTask()!.cancelling();
      throw e;
    }
  });
  await inside.wait();
  parent.cancel();
  await assert.rejects(parent, AggregateError);
  assert.equal(cancellingAfter, 1);
});

test('nested groups: the inner failure surfaces aggregated in the outer one', async () => {
  const err = new MyError('deep');
  let outerSibling: ReturnType<TaskGroup['createTask']> | undefined;
  await assert.rejects(TaskGroup.run(async (outer) => {
    outerSibling = outer.createTask(() => sleep(10));
    outer.createTask(() => TaskGroup.run((inner) => {
      inner.createTask(async () => {
        await sleep(0.001);
        throw err;
      });
    }));
    await sleep(10);
  }), (e: unknown) => {
    assert.ok(e instanceof AggregateError);
    assert.equal(e.errors.length, 1);
    const inner: unknown = e.errors[0];
    assert.ok(inner instanceof AggregateError);
    assert.deepEqual(inner.errors, [err]);
    return true;
  });
  assert.equal(outerSibling?.cancelled(), true);
});

test('nested groups: cancelling the parent cancels both levels', async () => {
  const inside = new Event();
  const steps: string[] = [];
  const parent = createTask(() => TaskGroup.run((outer) => {
    outer.createTask(() => TaskGroup.run((inner) => {
      inner.createTask(async () => {
        try {
          inside.set();
          await sleep(10);
        } finally {
          steps.push('inner child finally');
        }
      });
    }));
  }));
  await inside.wait();
  parent.cancel();
  await assert.rejects(parent, CancelledError);
  assert.deepEqual(steps, ['inner child finally']);
});

test('a timeout around a group cancels it and throws TimeoutError', async () => {
  let child: ReturnType<TaskGroup['createTask']> | undefined;
  await assert.rejects(createTask(() => timeout(0.01, () => TaskGroup.run(async (tg) => {
    child = tg.createTask(() => sleep(10));
    await sleep(10);
  }))), TimeoutError);
  assert.equal(child?.cancelled(), true);
});

test('createTask on a finished group throws; on an aborting group throws', async () => {
  let saved: TaskGroup | undefined;
  await TaskGroup.run((tg) => {
    saved = tg;
  });
  assert.throws(() => saved!.createTask(async () => {}), (e: unknown) => e instanceof InvalidStateError && /finished/.test(e.message));

  await assert.rejects(TaskGroup.run(async (tg) => {
    tg.createTask(async () => {
      throw new MyError('x');
    });
    try {
      await sleep(10);
    } catch {
      assert.throws(() => tg.createTask(async () => {}), (e: unknown) => e instanceof InvalidStateError && /shutting down/.test(e.message));
    }
  }), AggregateError);
});

test('new TaskGroup() outside a task throws InvalidStateError', () => {
  assert.throws(() => new TaskGroup(), (e: unknown) => e instanceof InvalidStateError && /inside a task/.test(e.message));
});

test('await using: children are awaited at the end of the block', async () => {
  const steps: string[] = [];
  await createTask(async () => {
    {
      await using tg = new TaskGroup();
      tg.createTask(async () => {
        await sleep(0.005);
        steps.push('child');
      });
    }
    steps.push('after block');
  });
  assert.deepEqual(steps, ['child', 'after block']);
});

test('await using: a failing child surfaces as AggregateError at the end of the block', async () => {
  const err = new MyError('in using');
  await assert.rejects(createTask(async () => {
    await using tg = new TaskGroup();
    tg.createTask(async () => {
      throw err;
    });
  }), (e: unknown) => e instanceof AggregateError && e.errors[0] === err);
});

test('a group with no children returns the body value at once', async () => {
  assert.equal(await TaskGroup.run(() => 5), 5);
});

test('children get the task name given', async () => {
  await TaskGroup.run((tg) => {
    const t = tg.createTask(async () => {}, { name: 'kid' });
    assert.equal(t.getName(), 'kid');
  });
});

test('the cancel message of the parent reaches the caller through the group (test_cancellation)', async () => {
  let cancelledChildren = 0;
  const inside = new Event();
  const r = createTask(() => TaskGroup.run((tg) => {
    for (let i = 0; i < 5; i++) {
      tg.createTask(async () => {
        try {
          inside.set();
          await sleep(5);
        } catch (e) {
          cancelledChildren++;
          throw e;
        }
      });
    }
  }));
  await inside.wait();
  r.cancel('test');
  await assert.rejects(r, (e: unknown) => e instanceof CancelledError && e.message === 'test');
  assert.equal(cancelledChildren, 5);
});

test('an outer child crashes while an inner group runs: AggregateError of that error (test_taskgroup_13)', async () => {
  const crashAfter = async (t: number): Promise<never> => {
    await sleep(t);
    throw new MyError(String(t));
  };
  await assert.rejects(createTask(() => TaskGroup.run(async (g1) => {
    g1.createTask(() => crashAfter(0.005));
    await TaskGroup.run((g2) => {
      g2.createTask(() => crashAfter(10));
    });
  })), (e: unknown) => e instanceof AggregateError && e.errors.length === 1 && e.errors[0] instanceof MyError && e.errors[0].message === '0.005');
});

test('a body that turns its cancellation into an error: AggregateError of that error (test_taskgroup_18)', async () => {
  const inside = new Event();
  const r = createTask(() => TaskGroup.run(async () => {
    try {
      inside.set();
      await sleep(10);
    } catch {
      throw new MyError('converted');
    }
  }));
  await inside.wait();
  r.cancel();
  await assert.rejects(r, (e: unknown) => e instanceof AggregateError && e.errors.length === 1 && e.errors[0] instanceof MyError);
});

test('a body error raised in finally while cancelled, plus the child error (test_taskgroup_19)', async () => {
  await assert.rejects(createTask(() => TaskGroup.run(async (tg) => {
    tg.createTask(async () => {
      await sleep(0.001);
      throw new RangeError('crash soon');
    });
    try {
      await sleep(10);
    } finally {
      throw new MyError('from finally');
    }
  })), (e: unknown) => {
    assert.ok(e instanceof AggregateError);
    assert.deepEqual(new Set(e.errors.map((x: Error) => x.constructor.name)), new Set(['MyError', 'RangeError']));
    return true;
  });
});

test('a body slow to handle its cancellation is still awaited (test_taskgroup_15)', async () => {
  const steps: string[] = [];
  const inside = new Event();
  const r = createTask(() => TaskGroup.run(async (tg) => {
    // Cancelled with the group long before it would crash (a short sleep here
    // lost the race to the cancel on a loaded machine).
    tg.createTask(async () => {
      await sleep(5);
      throw new MyError('crash later');
    });
    try {
      inside.set();
      await sleep(10);
    } catch (e) {
      await sleep(0.01);
      steps.push('body cleanup done');
      throw e;
    }
  }));
  await inside.wait();
  r.cancel();
  await assert.rejects(r, CancelledError);
  assert.deepEqual(steps, ['body cleanup done']);
});

test('children may add tasks to the group while it exits (test_taskgroup_24)', async () => {
  const done: number[] = [];
  await TaskGroup.run((tg) => {
    tg.createTask(async () => {
      await sleep(0.002);
      tg.createTask(async () => {
        await sleep(0.001);
        done.push(1);
      });
      tg.createTask(async () => {
        await sleep(0.002);
        done.push(2);
      });
    });
  });
  assert.deepEqual(done.sort(), [1, 2]);
});

test('tasks that keep spawning tasks are all cancelled when one fails (test_taskgroup_25)', async () => {
  let hydras = 0;
  const hydra = async (tg: TaskGroup): Promise<void> => {
    hydras++;
    await sleep(0.001);
    tg.createTask(() => hydra(tg));
    tg.createTask(() => hydra(tg));
  };
  await assert.rejects(TaskGroup.run((tg) => {
    tg.createTask(() => hydra(tg));
    tg.createTask(async () => {
      while (hydras < 10) await sleep(0.002);
      throw new MyError('hercules');
    });
  }), (e: unknown) => e instanceof AggregateError && e.errors.length === 1 && e.errors[0] instanceof MyError);
  assert.ok(hydras >= 10);
});

test('a child failing while an inner finally also throws: both errors, the parent not left cancelled (test_taskgroup_context_manager_exit_raises)', async () => {
  class CustomError extends Error {}
  let cancellingInCatch = -1;
  let caught: unknown;
  await createTask(async () => {
    try {
      await TaskGroup.run(async (tg) => {
        try {
          tg.createTask(async () => {
            throw new CustomError('child');
          });
          await sleep(1);
        } finally {
          // A cleanup (asyncio: an async context manager's exit) that fails too.
          throw new CustomError('cleanup');
        }
      });
    } catch (e) {
      caught = e;
      cancellingInCatch = currentTask()!.cancelling();
    }
  });
  assert.ok(caught instanceof AggregateError);
  assert.equal(caught.errors.length, 2);
  assert.ok(caught.errors.every((x: unknown) => x instanceof CustomError));
  assert.equal(cancellingInCatch, 0);
});

test('nested groups that both fail at once: the outer cancellation stays counted inside, none after (test_nested_groups_both_cancelled)', async () => {
  // Both children fail in the same step (asyncio: the same loop iteration),
  // before either group has exited.
  const go = new Event();
  const raiseOnGo = async (E: new () => Error): Promise<never> => {
    await go.wait();
    throw new E();
  };
  const seen: number[] = [];
  let outerError: unknown;
  const t = createTask(async () => {
    try {
      await TaskGroup.run(async (outer) => {
        try {
          await TaskGroup.run((inner) => {
            inner.createTask(() => raiseOnGo(RangeError));
            outer.createTask(() => raiseOnGo(SyntaxError));
          });
          assert.fail('the inner group should have thrown');
        } catch (e) {
          assert.ok(e instanceof AggregateError && e.errors[0] instanceof RangeError);
        }
        // The outer group asked for its body to be cancelled: still pending here.
        seen.push(currentTask()!.cancelling());
      });
    } catch (e) {
      outerError = e;
    }
    seen.push(currentTask()!.cancelling());
  });
  await sleep(0);
  go.set();
  await t;
  assert.ok(outerError instanceof AggregateError && outerError.errors[0] instanceof SyntaxError);
  assert.deepEqual(seen, [1, 0]);
});

test('a child error and an outside cancel together: the group throws its errors, the cancel is still delivered after (test_error_and_cancel)', async () => {
  const steps: string[] = [];
  const box: { t?: ReturnType<typeof createTask> } = {};
  const t = box.t = createTask(async () => {
    try {
      await TaskGroup.run(async (tg) => {
        tg.createTask(async () => {
          await sleep(0);
          // An outside cancel and this failure arrive in the same step.
          assert.equal(box.t!.cancelling(), 0);
          box.t!.cancel();
          assert.equal(box.t!.cancelling(), 1);
          throw new MyError('child');
        });
        await sleep(1);
        steps.push('body sleep not cancelled');
      });
    } catch (e) {
      assert.ok(e instanceof AggregateError, String(e));
      steps.push(`caught, cancelling ${currentTask()!.cancelling()}`);
    }
    steps.push(`after, cancelling ${currentTask()!.cancelling()}`);
    await sleep(1);
    steps.push('sleep after the group not cancelled');
  });
  await assert.rejects(t, CancelledError);
  assert.equal(t.cancelled(), true);
  assert.deepEqual(steps, ['caught, cancelling 1', 'after, cancelling 1']);
});

test('a task that starts a failing sibling is cancelled at its next await (test_cancels_task_if_created_during_creation)', async () => {
  let ran = false;
  await assert.rejects(TaskGroup.run((tg) => {
    tg.createTask(async () => {
      tg.createTask(async () => {
        throw new MyError('third task failed');
      });
      await assert.rejects(async () => {
        await sleep(0);
        await sleep(0);
      }, CancelledError);
      ran = true;
    });
  }), (e: unknown) => e instanceof AggregateError && e.errors.length === 1 && e.errors[0] instanceof MyError);
  assert.equal(ran, true);
});

test('the parent cancelled while a child ignores cancellation: the group waits for it, then CancelledError', async () => {
  const inside = new Event();
  let stubborn: ReturnType<TaskGroup['createTask']> | undefined;
  const steps: string[] = [];
  const parent = createTask(() => TaskGroup.run(async (tg) => {
    stubborn = tg.createTask(async () => {
      try {
        inside.set();
        await sleep(10);
      } catch {
        steps.push('child ignored the cancel');
      }
      await sleep(0.005);
      steps.push('child finished');
      return 'stubborn';
    });
    await sleep(10);
  }));
  await inside.wait();
  parent.cancel();
  await assert.rejects(parent, CancelledError);
  assert.deepEqual(steps, ['child ignored the cancel', 'child finished']);
  assert.equal(stubborn?.result(), 'stubborn');
});

test('exiting a group twice throws InvalidStateError (test_taskgroup_double_enter)', async () => {
  await createTask(async () => {
    const tg = new TaskGroup();
    await tg[Symbol.asyncDispose]();
    await assert.rejects(tg[Symbol.asyncDispose](), (e: unknown) => e instanceof InvalidStateError && /already exited/.test(e.message));
  });
});

test('await using: cancelling the parent cancels the children (the disposer sees the pending cancellation)', async () => {
  const inside = new Event();
  let child: ReturnType<TaskGroup['createTask']> | undefined;
  const parent = createTask(async () => {
    await using tg = new TaskGroup();
    child = tg.createTask(() => sleep(10));
    inside.set();
    await sleep(10);
  });
  await inside.wait();
  parent.cancel();
  await assert.rejects(parent, CancelledError);
  assert.equal(child?.cancelled(), true);
});

test('a timeout around an await using group cancels its children too', async () => {
  let child: ReturnType<TaskGroup['createTask']> | undefined;
  await assert.rejects(createTask(() => timeout(0.01, async () => {
    await using tg = new TaskGroup();
    child = tg.createTask(() => sleep(10));
    await sleep(10);
  })), TimeoutError);
  assert.equal(child?.cancelled(), true);
});

test('an expired timeout around a group: TimeoutError caused by the CancelledError', async () => {
  await assert.rejects(createTask(() => timeout(-1, () => TaskGroup.run(async () => {
    await sleep(0);
  }))), (e: unknown) => e instanceof TimeoutError && e.cause instanceof CancelledError);
});

test('a child failing after its parent task ended (group never exited) is reported, not lost', async (t) => {
  const loop = getEventLoop();
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((ctx) => seen.push(ctx));
  t.after(() => loop.setExceptionHandler(null));
  const err = new MyError('orphan');
  let child: ReturnType<TaskGroup['createTask']> | undefined;
  await createTask(() => {
    // Neither TaskGroup.run nor `await using`: the group is never exited.
    const tg = new TaskGroup();
    child = tg.createTask(async () => {
      await sleep(0.001);
      throw err;
    }, { name: 'orphan-child' });
  });
  await assert.rejects(child!, MyError);
  assert.equal(seen.length, 1);
  assert.match(seen[0]!.message, /orphan-child .*errored out but its parent task .* is already done/);
  assert.equal(seen[0]!.exception, err);
  assert.equal(seen[0]!.task, 'orphan-child');
});
