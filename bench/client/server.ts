// The peer every client talks to: a raw node:http server answering
// GET /hello/{name}. Started by run.ts on its own core; prints its port.
import http from 'node:http';

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/hello/')) {
    const body = `hello, ${url.slice(7)}!`;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } else {
    res.writeHead(404, { 'content-length': 0 });
    res.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`);
});
// Bounded: the parent kills it, and it stops by itself after 5 minutes anyway.
setTimeout(() => process.exit(0), 300_000).unref();
process.on('SIGTERM', () => process.exit(0));
