/**
 * Baseline: raw `node:http` with a hand-written two-route dispatch, the
 * least work any framework can do on top of Node.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { BACKLOG, CONTENT_TYPE, HOST, INDEX, PORT, SLEEP_MS, announce, hello } from './env.js';

const PREFIX = '/hello/';

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function route(req: IncomingMessage, res: ServerResponse): void {
  let path = req.url ?? '/';
  const q = path.indexOf('?');
  if (q !== -1) path = path.slice(0, q);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed');
  if (path === '/') return send(res, 200, INDEX);
  if (path.startsWith(PREFIX) && path.length > PREFIX.length && !path.includes('/', PREFIX.length)) {
    let name: string;
    try {
      name = decodeURIComponent(path.slice(PREFIX.length));
    } catch {
      return send(res, 400, 'Bad Request');
    }
    return send(res, 200, hello(name));
  }
  send(res, 404, 'Not Found');
}

async function sleepThenRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
  await delay(SLEEP_MS);
  route(req, res);
}

const server = createServer(SLEEP_MS === 0 ? route : (req, res) => void sleepThenRoute(req, res));
server.listen({ host: HOST, port: PORT, backlog: BACKLOG }, () => announce('node:http'));
