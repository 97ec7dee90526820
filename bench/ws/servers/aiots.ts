/**
 * aiots/web, as aiohttp's docs write a WebSocket handler: `prepare()`, then
 * `for await` over the messages, `await ws.sendStr()` for each; the sockets
 * to broadcast to kept in typed app state (`AppKey`). Access log off, as
 * every peer here runs without one.
 * @module
 */
import * as web from '../../../src/web/index.js';
import { WSMsgType } from '../../../src/ws/index.js';
import { BACKLOG, HOST, PAYLOAD, PORT, READY, collect } from './env.js';

const SUBS = new web.AppKey<Set<web.WebSocketResponse>>('subs');

async function index(_request: web.Request): Promise<web.Response> {
  return new web.Response({ text: READY });
}

async function gc(_request: web.Request): Promise<web.Response> {
  return new web.Response({ text: collect() });
}

async function echo(request: web.Request): Promise<web.WebSocketResponse> {
  const ws = new web.WebSocketResponse();
  await ws.prepare(request);
  for await (const msg of ws) {
    if (msg.type === WSMsgType.TEXT) await ws.sendStr(msg.data);
    else if (msg.type === WSMsgType.BINARY) await ws.sendBytes(msg.data);
  }
  return ws;
}

async function sub(request: web.Request): Promise<web.WebSocketResponse> {
  const ws = new web.WebSocketResponse();
  await ws.prepare(request);
  const subs = request.app.get(SUBS);
  subs.add(ws);
  try {
    for await (const _msg of ws) {
      // Subscribers only listen.
    }
  } finally {
    subs.delete(ws);
  }
  return ws;
}

async function broadcast(request: web.Request): Promise<web.Response> {
  const subs = request.app.get(SUBS);
  // Every send is started at once; each resolves when its frame is handed to its socket.
  await Promise.all(Array.from(subs, (ws) => ws.sendStr(PAYLOAD)));
  return new web.Response({ text: String(subs.size) });
}

const app = new web.Application();
app.set(SUBS, new Set());
app.router.addRoute('GET', '/', index);
app.router.addRoute('GET', '/echo', echo);
app.router.addRoute('GET', '/sub', sub);
app.router.addRoute('GET', '/broadcast', broadcast);
app.router.addRoute('GET', '/gc', gc);
web.runApp(app, { host: HOST, port: PORT, backlog: BACKLOG, accessLog: null });
