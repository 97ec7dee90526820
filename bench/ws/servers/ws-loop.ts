/**
 * A floor for aiots's model without aiots: bare `ws`, but each socket is
 * read the way an aiohttp handler reads it, by an async function looping
 * `for await` over its messages (one promise per message, a message object
 * with the text decoded, the reply encoded from the string again), with no
 * task, no request objects and no cancellation. What aiots costs over this
 * is its own; what this costs over bare `ws` is the API's shape.
 * Used as `--extra ws-loop=ws/servers/ws-loop.ts`.
 * @module
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { BACKLOG, HOST, PAYLOAD, PORT, READY, announce, collect } from './env.js';

interface Msg {
  readonly type: number;
  readonly data: string | Buffer;
  readonly extra: null;
}

/** The least an async message iterator can be: a queue and one waiting resolver. */
class Messages implements AsyncIterableIterator<Msg> {
  readonly #queue: Msg[] = [];
  #wake: ((r: IteratorResult<Msg>) => void) | undefined = undefined;
  #closed = false;

  push(m: Msg): void {
    const w = this.#wake;
    if (w !== undefined) {
      this.#wake = undefined;
      w({ done: false, value: m });
    } else this.#queue.push(m);
  }

  close(): void {
    this.#closed = true;
    this.#wake?.({ done: true, value: undefined });
  }

  next(): Promise<IteratorResult<Msg>> {
    const m = this.#queue.shift();
    if (m !== undefined) return Promise.resolve({ done: false, value: m });
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.#wake = resolve));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function messages(ws: WebSocket): Messages {
  const it = new Messages();
  ws.on('message', (data: Buffer, isBinary) => it.push(isBinary ? { type: 2, data, extra: null } : { type: 1, data: data.toString('utf8'), extra: null }));
  ws.on('close', () => it.close());
  return it;
}

// As aiots's send*() when the socket's buffer is low: the frame is handed over, the await costs one turn.
const SENT = Promise.resolve();

async function echo(ws: WebSocket): Promise<void> {
  for await (const msg of messages(ws)) {
    ws.send(msg.data, { binary: msg.type === 2 });
    await SENT;
  }
}

const subs = new Set<WebSocket>();

async function sub(ws: WebSocket): Promise<void> {
  subs.add(ws);
  try {
    for await (const _msg of messages(ws)) {
      // Subscribers only listen.
    }
  } finally {
    subs.delete(ws);
  }
}

const server = createServer((req, res) => {
  if (req.url === '/broadcast') {
    for (const ws of subs) ws.send(PAYLOAD);
    res.end(String(subs.size));
  } else if (req.url === '/gc') res.end(collect());
  else res.end(READY);
});

const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  if (req.url === '/echo') void echo(ws);
  else if (req.url === '/sub') void sub(ws);
  else ws.close(1008);
});

server.listen({ host: HOST, port: PORT, backlog: BACKLOG }, () => announce('ws-loop'));
