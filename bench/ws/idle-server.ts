// A bare `ws` server for bench/ws/heartbeat.ts: 127.0.0.1 on port 0, answers
// pings (autoPong), prints its port, then once a second the pings it got.
// Ends when its parent closes stdin.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const server = http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });
let pings = 0;
wss.on('connection', (ws) => {
  ws.on('ping', () => pings++);
  ws.on('error', () => {});
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
});
const report = setInterval(() => process.stdout.write(`pings ${pings}\n`), 1000);
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(report);
  for (const c of wss.clients) c.terminate();
  server.close();
  process.exit(0);
});
