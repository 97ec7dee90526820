// The UDP echo client of CPython's asyncio-protocol.rst: send one datagram,
// print the echo, close, and wait (on a Future) for connectionLost.
//   node --import tsx examples/udp_echo_client.ts [port]   (default 9999)
import { DatagramProtocol, getRunningLoop, run, type DatagramTransport, type Future } from 'aiots';

class EchoClientProtocol extends DatagramProtocol {
  readonly #message: string;
  readonly #onConLost: Future<boolean>;
  #transport!: DatagramTransport;

  constructor(message: string, onConLost: Future<boolean>) {
    super();
    this.#message = message;
    this.#onConLost = onConLost;
  }

  override connectionMade(transport: DatagramTransport) {
    this.#transport = transport;
    console.log('Send:', this.#message);
    transport.sendto(Buffer.from(this.#message));
  }

  override datagramReceived(data: Buffer, _addr: [string, number]) {
    console.log('Received:', data.toString());
    console.log('Close the socket');
    this.#transport.close();
  }

  override errorReceived(exc: Error) {
    console.log('Error received:', exc.message);
  }

  override connectionLost(_exc: Error | null) {
    console.log('Connection closed');
    this.#onConLost.setResult(true);
  }
}

async function main() {
  const loop = getRunningLoop();
  const onConLost = loop.createFuture<boolean>();
  const message = 'Hello World!';
  const [transport] = await loop.createDatagramEndpoint(
    () => new EchoClientProtocol(message, onConLost),
    { remoteAddr: ['127.0.0.1', Number(process.argv[2] ?? 9999)] },
  );
  try {
    await onConLost;
  } finally {
    transport.close();
  }
}

await run(main);
