/// <reference types="node" preserve="true" />
// Kept in the emitted .d.ts: a consumer's TypeScript loads @types/node for
// aiots's declarations by itself (TypeScript 6+ loads no @types package unless
// its tsconfig lists it in "types").
/**
 * aiots: asyncio for TypeScript. Tasks that can be cancelled, task groups,
 * timeouts that cancel, queues, locks, streams and the event loop facade.
 * @module
 */
export {
  AiotsError, BrokenBarrierError, CancelledError, IncompleteReadError, InvalidStateError, KeyboardInterrupt,
  FileNotFoundError, LimitOverrunError, ProcessLookupError, QueueEmpty, QueueFull, QueueShutDown, TimeoutError, isCancellation,
  type AiotsErrorOptions,
} from './core/errors.js';
export { Future } from './core/future.js';
export { Task, allTasks, createTask, currentTask, type TaskOptions } from './core/task.js';
export { sleep, type SignalOptions } from './core/sleep.js';
export { ensureFuture, type Awaitable } from './core/ensure-future.js';
export { gather, type AwaitedAll, type GatherOptions } from './core/gather.js';
export { wait, type FutureOf, type ReturnWhen, type WaitOptions } from './core/wait.js';
export { asCompleted, type AsCompletedOptions } from './core/as-completed.js';
export { shield } from './core/shield.js';
export { TaskGroup } from './core/taskgroup.js';
export { Timeout, timeout, timeoutAt } from './core/timeouts.js';
export { waitFor } from './core/wait-for.js';
export { Lock } from './core/lock.js';
export { Event } from './core/event.js';
export { Condition } from './core/condition.js';
export { BoundedSemaphore, Semaphore } from './core/semaphore.js';
export { Barrier } from './core/barrier.js';
export {
  LifoQueue, PriorityQueue, Queue, defaultCompare, type Comparator, type PriorityQueueOptions,
} from './core/queues.js';
export {
  EventLoop, Handle, TimerHandle, getEventLoop, getRunningLoop, kServerFactory, newEventLoop, setEventLoop, type ServerFactory,
} from './core/loop.js';
export { run, type RunOptions } from './core/run.js';
export { Runner, type RunnerOptions } from './core/runner.js';
export { ThreadPoolExecutor, type Executor, type ExecutorShutdownOptions } from './core/executor.js';
export { defaultExceptionHandler, type ExceptionContext, type ExceptionHandler } from './core/report.js';
export {
  DEFAULT_LIMIT, StreamReader, type ReadTransport, type StreamReaderOptions,
} from './core/streams/stream-reader.js';
export { StreamWriter, type ExtraInfo, type ExtraInfoName } from './core/streams/stream-writer.js';
export { type StartTlsOptions } from './core/streams/start-tls.js';
export {
  openConnection, openUnixConnection, type OpenConnectionOptions, type OpenUnixConnectionOptions,
} from './core/streams/open-connection.js';
export {
  Server, startServer, startUnixServer, type ClientConnected, type StartServerOptions, type StartUnixServerOptions,
} from './core/streams/server.js';
export { toThread, toThreadWith } from './core/to-thread.js';
export { DEVNULL, PIPE, STDOUT, type StdioSpec } from './core/subprocess/constants.js';
export { Process, type ProcessSignal } from './core/subprocess/process.js';
export { createSubprocessExec, createSubprocessShell } from './core/subprocess/create.js';
export { type SubprocessOptions } from './core/subprocess/spawn-options.js';
export {
  BaseProtocol, BufferedProtocol, DatagramProtocol, Protocol, type ProtocolFactory, type StreamProtocol,
} from './core/transports/protocol.js';
export { type Transport, type WriteBufferLimits } from './core/transports/transport.js';
export { DatagramTransport, type DatagramExtraInfo, type DatagramExtraInfoName } from './core/transports/datagram-transport.js';
export { type DatagramEndpointOptions } from './core/transports/datagram-endpoint.js';
export { type CreateConnectionOptions, type CreateUnixConnectionOptions } from './core/transports/connection.js';
export { type CreateServerOptions, type CreateUnixServerOptions } from './core/transports/protocol-server.js';
