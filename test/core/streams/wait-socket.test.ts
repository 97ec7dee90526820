// waitSocket (the connect and TLS handshake wait of openConnection) under
// cancellation at random points: no listener left on the socket, nothing
// uncaught when the connection completes or fails afterwards (audit issue 9).
import net from 'node:net';
import { test } from 'node:test';
import { waitSocket } from '../../../src/core/streams/wait-socket.js';
import { openConnection } from '../../../src/index.js';
import { cancelAtRandom } from '../../helpers/cancel-at-random.js';
import { selfSignedCert, serve } from './helpers.js';

test('waitSocket(connect) cancelled at random points while the connection succeeds or is refused', async (t) => {
  const { port } = await serve(t, async (_reader, writer) => {
    writer.close();
  });
  // A port with nobody listening: the connection is refused.
  const closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await cancelAtRandom(async (trial) => {
    const refused = trial.random() < 0.3;
    const socket = net.connect(refused ? closedPort : port, '127.0.0.1');
    // As openConnection: the protocol's 'error' listener is always there.
    socket.on('error', () => {});
    trial.watch(socket);
    const started = trial.start(() => waitSocket(socket, 'connect', { timeout: trial.random() < 0.2 ? 0.001 : undefined, signal: undefined, what: 'test' }));
    await started.outcome;
    socket.destroy();
  });
});

test('openConnection() over TLS (waitSocket on secureConnect) cancelled at random points', async (t) => {
  const { key, cert } = selfSignedCert();
  const { port } = await serve(t, async (reader, writer) => {
    await reader.read(-1);
    writer.close();
  }, { ssl: { key, cert } });
  await cancelAtRandom(async (trial) => {
    const started = trial.start(() => openConnection('127.0.0.1', port, { ssl: { ca: cert } }));
    const outcome = await started.outcome;
    if (outcome.status === 'fulfilled') {
      const [, writer] = outcome.value;
      writer.close();
      await writer.waitClosed().catch(() => {});
    }
  }, { trials: 30 });
});
