// The UDP echo server of CPython's asyncio-protocol.rst: a DatagramProtocol
// that sends each datagram back where it came from, for an hour.
//   node --import tsx examples/udp_echo_server.ts [port]   (default 9999; 0 picks one)
import { DatagramProtocol, getRunningLoop, run, sleep, type DatagramTransport } from 'aiots';

class EchoServerProtocol extends DatagramProtocol {
  #transport!: DatagramTransport;

  override connectionMade(transport: DatagramTransport) {
    this.#transport = transport;
  }

  override datagramReceived(data: Buffer, addr: [string, number]) {
    const message = data.toString();
    console.log(`Received ${JSON.stringify(message)} from ${addr[0]}:${addr[1]}`);
    console.log(`Send ${JSON.stringify(message)} to ${addr[0]}:${addr[1]}`);
    this.#transport.sendto(data, addr);
  }
}

async function main() {
  console.log('Starting UDP server');
  const loop = getRunningLoop();
  // One protocol instance serves every client.
  const [transport] = await loop.createDatagramEndpoint(() => new EchoServerProtocol(), { localAddr: ['127.0.0.1', Number(process.argv[2] ?? 9999)] });
  const [host, port] = transport.getExtraInfo('sockname')!;
  console.log(`Listening on ${host}:${port}`);
  try {
    await sleep(3600); // serve for 1 hour
  } finally {
    transport.close();
  }
}

await run(main);
