// A chat room, as aiohttp's examples/web_ws.py: GET / serves the page
// (index.html beside this file), GET /ws?name=NAME joins the room over a
// WebSocket. Every text message is broadcast to every participant as JSON,
// and everyone is told who joins and who leaves.
// Run: npm run example:chat [-- --host 0.0.0.0 --port 9000]
import { readFile, realpath } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isCancellation } from 'aiots';
import * as web from 'aiots/web';

/** Someone in the room: the name they chose and their socket. */
export interface Participant {
  readonly name: string;
  readonly ws: web.WebSocketResponse;
}

/** What the server sends, as JSON text. */
export type ChatEvent =
  | { readonly type: 'message'; readonly name: string; readonly text: string }
  | { readonly type: 'joined' | 'left'; readonly name: string }
  | { readonly type: 'participants'; readonly names: readonly string[] };

/** The room: every open socket, in typed app state (aiohttp: `app[participants]`). */
export const participantsKey = new web.AppKey<Set<Participant>>('participants');

const PAGE = new URL('index.html', import.meta.url);
const MAX_NAME = 32;
const MAX_TEXT = 1000;

async function index(_request: web.Request): Promise<web.Response> {
  // Read at each request, so an edited page shows on reload (static files will do this better).
  return new web.Response({ body: await readFile(PAGE), contentType: 'text/html' });
}

async function chat(request: web.Request): Promise<web.WebSocketResponse> {
  const name = (request.query.get('name') ?? '').trim();
  // Refused before the handshake: the browser sees the upgrade fail.
  if (name === '' || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new web.HTTPBadRequest({ text: `name must be 1 to ${MAX_NAME} printable characters` });
  }
  const ws = new web.WebSocketResponse({ heartbeat: 30, maxMsgSize: 16 * 1024 });
  await ws.prepare(request);
  const room = request.app.get(participantsKey);
  const me: Participant = { name, ws };
  room.add(me);
  try {
    await broadcast(room, { type: 'joined', name }, participants(room));
    for await (const msg of ws) {
      // Binary frames, pings and pongs mean nothing here.
      if (msg.type === web.WSMsgType.TEXT) await broadcast(room, { type: 'message', name, text: msg.data.slice(0, MAX_TEXT) });
    }
  } finally {
    room.delete(me);
    // One call: every frame is handed over before the first await, which a
    // cancelled handler would not get past.
    await broadcast(room, { type: 'left', name }, participants(room));
  }
  return ws;
}

function participants(room: Set<Participant>): ChatEvent {
  return { type: 'participants', names: [...room].map((p) => p.name) };
}

/**
 * Send `events` to everyone at once, so the sender waits for the slowest
 * reader (backpressure) rather than for one reader after another.
 */
async function broadcast(room: Set<Participant>, ...events: ChatEvent[]): Promise<void> {
  const sends: Promise<void>[] = [];
  for (const event of events) {
    const text = JSON.stringify(event);
    for (const { ws } of room) sends.push(ws.sendStr(text).catch(ignoreClosing));
  }
  await Promise.all(sends);
}

function ignoreClosing(e: unknown): void {
  if (isCancellation(e)) throw e;
  // Else the socket is closing: it misses the event, and its own handler removes it from the room.
}

/** The chat application; the caller runs it (`runApp`, or a `TestServer` in tests). */
export function makeApp(): web.Application {
  const app = new web.Application();
  app.set(participantsKey, new Set());
  app.router.addGet('/', index);
  app.router.addGet('/ws', chat);
  return app;
}

// The script part: only when run as a program, not when a test imports makeApp().
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(await realpath(process.argv[1])).href) {
  const { values } = parseArgs({ options: { host: { type: 'string', short: 'H' }, port: { type: 'string', short: 'P' } } });
  web.runApp(makeApp(), { host: values.host ?? '127.0.0.1', port: Number(values.port ?? 8080) });
}
