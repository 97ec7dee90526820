// aiohttp's examples/lowlevel_srv.py: one handler, no router. Run: node --import tsx examples/lowlevel_srv.ts
// (PORT=0 picks a free port; the Python example always takes 8080.)
/* eslint-disable @typescript-eslint/no-unused-vars -- as in aiohttp's example, the handler ignores request */
import { getEventLoop, KeyboardInterrupt, sleep, type EventLoop } from 'aiots';
import * as web from 'aiots/web';

async function handler(request: web.Request) {
  return new web.Response({ text: 'OK' });
}

async function main(loop: EventLoop) {
  const server = new web.Server(handler);
  const srv = await loop.createServer(server, '127.0.0.1', Number(process.env.PORT ?? 8080));
  console.log(`======= Serving on http://127.0.0.1:${srv.port}/ ======`);
  // pause here for very long time by serving HTTP requests and
  // waiting for keyboard interruption
  try {
    await sleep(100 * 3600);
  } finally {
    await srv.close(); // Node keeps a process alive while a server listens
  }
}

const loop = getEventLoop();
try {
  await loop.runUntilComplete(() => main(loop));
} catch (e) {
  if (!(e instanceof KeyboardInterrupt)) throw e;
}
loop.close();
