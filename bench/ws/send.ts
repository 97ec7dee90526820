// The cost of one awaited WebSocket send on the fast path (a peer that
// reads): promises and nextTick callbacks created per `await ws.sendStr()`
// (counted with async_hooks, deterministic), and messages/s of a bounded
// loop (noisy on a shared machine). The peer is a bare `ws` server in this
// process, on 127.0.0.1.
//
// Usage: node --import tsx bench/ws/send.ts [--messages 20000] [--size 100] [--compress] [--aiots <checkout>]
import { createHook } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '100' },
    compress: { type: 'boolean', default: false },
    aiots: { type: 'string', default: fileURLToPath(new URL('../..', import.meta.url)) },
  },
});
const N = Number(values.messages);
type ClientModule = typeof import('../../src/client/index.js');
const { ClientSession } = (await import(pathToFileURL(`${values.aiots}/src/client/index.ts`).href)) as ClientModule;

const server = http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: values.compress });
let received = 0;
wss.on('connection', (ws) => ws.on('message', () => received++));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const session = new ClientSession();
const ws = await session.wsConnect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { compress: values.compress });
const text = 'x'.repeat(Number(values.size));

// Counted over 1,000 sends.
const counts = new Map<string, number>();
const hook = createHook({ init(_id, type) { counts.set(type, (counts.get(type) ?? 0) + 1); } });
hook.enable();
for (let i = 0; i < 1000; i++) await ws.sendStr(text);
hook.disable();
const per = Object.fromEntries([...counts].map(([k, v]) => [k, v / 1000]));

const t0 = performance.now();
for (let i = 0; i < N; i++) await ws.sendStr(text);
const sendS = (performance.now() - t0) / 1000;
while (received < N + 1000) await new Promise((r) => setTimeout(r, 5));
const allS = (performance.now() - t0) / 1000;

console.log(JSON.stringify({
  aiots: values.aiots,
  compress: values.compress,
  size: Number(values.size),
  asyncResourcesPerSend: per,
  sendsPerSecond: Math.round(N / sendS),
  deliveredPerSecond: Math.round(N / allS),
}));
await ws.close();
await session.close();
for (const c of wss.clients) c.terminate();
server.close();
