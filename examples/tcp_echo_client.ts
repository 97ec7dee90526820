// The TCP echo client of CPython's asyncio-protocol.rst: send one message
// with a Protocol, print the echo, and wait (on a Future) until the server
// closes the connection.
//   node --import tsx examples/tcp_echo_client.ts [port]   (default 8888)
import { Protocol, getRunningLoop, run, type Future, type Transport } from 'aiots';

class EchoClientProtocol extends Protocol {
  readonly #message: string;
  readonly #onConLost: Future<boolean>;

  constructor(message: string, onConLost: Future<boolean>) {
    super();
    this.#message = message;
    this.#onConLost = onConLost;
  }

  override connectionMade(transport: Transport) {
    transport.write(Buffer.from(this.#message));
    console.log(`Data sent: ${JSON.stringify(this.#message)}`);
  }

  override dataReceived(data: Buffer) {
    console.log(`Data received: ${JSON.stringify(data.toString())}`);
  }

  override connectionLost(_exc: Error | null) {
    console.log('The server closed the connection');
    this.#onConLost.setResult(true);
  }
}

async function main() {
  const loop = getRunningLoop();
  const onConLost = loop.createFuture<boolean>();
  const message = 'Hello World!';
  const [transport] = await loop.createConnection(() => new EchoClientProtocol(message, onConLost), '127.0.0.1', Number(process.argv[2] ?? 8888));
  // Wait until the protocol signals that the connection is lost, then close the transport.
  try {
    await onConLost;
  } finally {
    transport.close();
  }
}

await run(main);
