// How precisely ClientTimeout.sockRead fires: a raw peer on 127.0.0.1 that
// never answers, answers and then sends nothing, or trickles one body byte
// every 100 or 300 ms; for each sockRead, the error and the time it took.
// Usage: node --import tsx bench/client/sock-read.ts
import net from 'node:net';
import { ClientSession } from '../../src/client/index.js';

async function server(interval: number | null | 'silent'): Promise<{ port: number; close: () => void }> {
  const socks = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    socks.add(s);
    s.on('error', () => {});
    s.once('data', () => {
      if (interval === 'silent') return;
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nx');
      if (typeof interval === 'number') {
        const t = setInterval(() => s.write('x'), interval);
        s.on('close', () => clearInterval(t));
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => {
    for (const s of socks) s.destroy();
    srv.close();
  } };
}

for (const interval of ['silent', null, 100, 300] as const) {
  for (const sockRead of [0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.5]) {
    if (typeof interval === 'number' && sockRead * 1000 >= interval * 2) continue;
    const srv = await server(interval);
    const s = new ClientSession({ timeout: { total: 4, sockRead } });
    const t0 = performance.now();
    let outcome = '';
    try {
      const r = await s.get(`http://127.0.0.1:${srv.port}/`);
      await r.read();
      outcome = 'read ok';
    } catch (e) {
      outcome = (e as Error).constructor.name;
    }
    console.log(`${interval === 'silent' ? 'no answer' : interval === null ? 'body idle' : 'body byte every ' + interval + ' ms'}\tsockRead ${sockRead}\t${outcome}\tafter ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    await s.close();
    srv.close();
  }
}
