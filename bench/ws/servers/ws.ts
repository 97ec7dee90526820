/**
 * Baseline: the `ws` package's `WebSocketServer` on a `node:http` server,
 * written as its README does: a 'message' listener that sends the data back.
 * The least work any WebSocket layer on Node can do.
 * @module
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { BACKLOG, HOST, PAYLOAD, PORT, READY, announce, collect } from './env.js';

const subs = new Set<WebSocket>();

const server = createServer((req, res) => {
  if (req.url === '/broadcast') {
    for (const ws of subs) ws.send(PAYLOAD);
    res.end(String(subs.size));
  } else if (req.url === '/gc') res.end(collect());
  else res.end(READY);
});

// perMessageDeflate false is ws's default; the load client does not offer it either.
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  if (req.url === '/echo') {
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
  } else if (req.url === '/sub') {
    subs.add(ws);
    ws.on('close', () => subs.delete(ws));
  } else ws.close(1008);
});

server.listen({ host: HOST, port: PORT, backlog: BACKLOG }, () => announce('ws'));
