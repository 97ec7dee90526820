// The TCP echo server of CPython's asyncio-protocol.rst, with a Protocol:
// each connection gets an EchoServerProtocol that sends back what it
// receives, then closes the connection.
//   node --import tsx examples/tcp_echo_server.ts [port]   (default 8888; 0 picks one)
import type { AddressInfo } from 'node:net';
import { Protocol, getRunningLoop, run, type Transport } from 'aiots';

class EchoServerProtocol extends Protocol {
  #transport!: Transport;

  override connectionMade(transport: Transport) {
    const [host, port] = transport.getExtraInfo('peername') as [string, number];
    console.log(`Connection from ${host}:${port}`);
    this.#transport = transport;
  }

  override dataReceived(data: Buffer) {
    const message = data.toString();
    console.log(`Data received: ${JSON.stringify(message)}`);
    console.log(`Send: ${JSON.stringify(message)}`);
    this.#transport.write(data);
    console.log('Close the client socket');
    this.#transport.close();
  }
}

async function main() {
  // getRunningLoop(), as the docs' asyncio.get_running_loop(): the loop run() made.
  const loop = getRunningLoop();
  await using server = await loop.createServer(() => new EchoServerProtocol(), '127.0.0.1', Number(process.argv[2] ?? 8888));
  const { address, port } = server.address() as AddressInfo;
  console.log(`Serving on ${address}:${port}`);
  await server.serveForever();
}

await run(main);
