// The seed's second program, line for line: three raw TCP connections at
// once, reading the HTTP response headers line by line.
// --host ADDR connects to ADDR instead of each host (the Host header stays the
// host's); --port P (once for all, or once per host) replaces port 80. So a
// test can point it at local servers: --host 127.0.0.1 --port 8001 --port 8002 --port 8003
import { parseArgs } from 'node:util';
import { openConnection, wait, getEventLoop } from 'aiots';

const { values: opts } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string', multiple: true } } });
const ports = (opts.port ?? []).map(Number);

async function wget(host: string, i: number) {
  console.log(`wget ${host}...`);
  const [reader, writer] = await openConnection(opts.host ?? host, ports[i] ?? ports[0] ?? 80);
  writer.write(Buffer.from(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
  await writer.drain();
  for (;;) {
    const line = await reader.readline();
    if (line.equals(Buffer.from('\r\n')) || line.length === 0) break; // (length 0: the peer closed first)
    console.log(`${host} header > ${line.toString().trimEnd()}`);
  }
  writer.close(); // Ignore the body, close the socket
}

const loop = getEventLoop();
await loop.runUntilComplete(wait(['www.sina.com.cn', 'www.sohu.com', 'www.163.com'].map(wget)));
loop.close();
