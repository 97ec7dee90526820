// A `ws` server on an HTTP server of the test's own, listening on 127.0.0.1:0
// and torn down after the test (open sockets terminated first).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { WebSocketServer } from 'ws';

/** Listen, register the teardown, and give the `ws://` URL. */
export async function listenWs(t: Pick<TestContext, 'after'>, server: Server, wss: WebSocketServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
