// The awaits that SocketProtocol wakes from socket events (StreamReader reads,
// StreamWriter.drain(), StreamWriter.waitClosed()), cancelled at random
// points while the peer goes on: nothing uncaught, no listener added to the
// socket (audit issue 9).
import { test, type TestContext } from 'node:test';
import { Event, openConnection, type StreamReader, type StreamWriter } from '../../../src/index.js';
import { cancelAtRandom } from '../../helpers/cancel-at-random.js';
import { serve } from './helpers.js';

/** A server whose connection callback hands its reader and writer to the current trial. */
async function peerServer(t: TestContext): Promise<{ port: number; next: () => Promise<{ reader: StreamReader; writer: StreamWriter; done: Event }> }> {
  let waiting: ((p: { reader: StreamReader; writer: StreamWriter; done: Event }) => void) | undefined;
  const { port } = await serve(t, async (reader, writer) => {
    const done = new Event();
    waiting?.({ reader, writer, done });
    await done.wait();
  });
  return {
    port,
    next: () => new Promise((resolve) => {
      waiting = resolve;
    }),
  };
}

test('StreamReader.readexactly() on a socket, cancelled at random points while the peer sends the rest or closes', async (t) => {
  const { port, next } = await peerServer(t);
  await cancelAtRandom(async (trial) => {
    const peerP = next();
    const [reader, writer] = await openConnection('127.0.0.1', port);
    const peer = await peerP;
    trial.watch(writer.transport);
    peer.writer.write(Buffer.from('abc'));
    const started = trial.start(() => reader.readexactly(6));
    await started.cancelPoint;
    const r = trial.random();
    if (r < 0.5) peer.writer.write(Buffer.from('defghi'));
    else if (r < 0.8) peer.writer.close();
    else peer.writer.transport.destroy();
    await started.outcome;
    writer.transport.destroy();
    peer.done.set();
  });
});

async function readAll(reader: StreamReader, n: number): Promise<void> {
  for (let got = 0; got < n;) {
    const chunk = await reader.read(65536);
    if (chunk.length === 0) return;
    got += chunk.length;
  }
}

test('StreamWriter.drain() cancelled at random points while the peer reads or goes away', async (t) => {
  const { port, next } = await peerServer(t);
  const big = Buffer.alloc(8 * 1024 * 1024, 120);
  await cancelAtRandom(async (trial) => {
    const peerP = next();
    const [, writer] = await openConnection('127.0.0.1', port);
    // The peer reads nothing: its reader fills up and pauses the socket.
    const peer = await peerP;
    trial.watch(writer.transport);
    writer.write(big);
    const started = trial.start(() => writer.drain());
    await started.cancelPoint;
    if (trial.random() < 0.6) await readAll(peer.reader, big.length);
    else peer.writer.transport.destroy();
    await started.outcome;
    writer.transport.destroy();
    peer.done.set();
  }, { trials: 30 });
});

test('StreamWriter.waitClosed() cancelled at random points while the connection closes', async (t) => {
  const { port, next } = await peerServer(t);
  await cancelAtRandom(async (trial) => {
    const peerP = next();
    const [, writer] = await openConnection('127.0.0.1', port);
    const peer = await peerP;
    const ours = trial.random() < 0.5;
    if (ours) writer.close();
    trial.watch(writer.transport);
    const started = trial.start(() => writer.waitClosed());
    await started.cancelPoint;
    // (A FIN alone would leave our half-open side open: a reset closes it.)
    if (!ours) peer.writer.transport.resetAndDestroy();
    await started.outcome;
    writer.transport.destroy();
    peer.done.set();
  });
});
