/**
 * Fastify 5 with @fastify/websocket 11, as its README writes a route: a
 * `{ websocket: true }` GET whose handler gets the `ws` socket.
 * @module
 */
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import type { WebSocket } from 'ws';
import { BACKLOG, HOST, PAYLOAD, PORT, READY, announce, collect } from './env.js';

const app = Fastify({ logger: false });
await app.register(websocket);

const subs = new Set<WebSocket>();

app.get('/', async () => READY);
app.get('/gc', async () => collect());

app.get('/broadcast', async () => {
  for (const ws of subs) ws.send(PAYLOAD);
  return String(subs.size);
});

app.get('/echo', { websocket: true }, (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
});

app.get('/sub', { websocket: true }, (socket) => {
  subs.add(socket);
  socket.on('close', () => subs.delete(socket));
});

await app.listen({ host: HOST, port: PORT, backlog: BACKLOG });
announce('@fastify/websocket');
