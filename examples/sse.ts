// Server-sent events: /events streams a numbered tick every second. A client
// that reconnects (browsers do by themselves, after the `retry` delay) sends
// the last id it saw as Last-Event-ID, and the stream resumes after it.
// Run: node --import tsx examples/sse.ts, then open http://127.0.0.1:8080/
import { sleep } from 'aiots';
import * as web from 'aiots/web';

const page = `<!doctype html><title>SSE</title><pre id="log"></pre>
<script>
const log = document.getElementById('log');
const source = new EventSource('/events');
source.addEventListener('tick', (e) => { log.textContent += 'id ' + e.lastEventId + ': ' + e.data + '\\n'; });
</script>`;

async function index(_request: web.Request) {
  return new web.Response({ text: page, contentType: 'text/html' });
}

async function events(request: web.Request): Promise<web.StreamResponse> {
  const resp = new web.EventSourceResponse({ pingInterval: 15 });
  await resp.prepare(request);
  // Resume after the last event the client saw (0 on a first connection).
  const last = Number.parseInt(resp.lastEventId ?? '0', 10);
  let id = Number.isSafeInteger(last) && last >= 0 ? last : 0;
  // Tell the client to wait 2 seconds before reconnecting.
  await resp.send(`resuming after ${id}`, { event: 'hello', retry: 2 });
  for (;;) {
    id += 1;
    // Two lines of data: the client gets them joined by "\n".
    await resp.send(`tick ${id}\nat ${new Date().toISOString()}`, { id, event: 'tick' });
    await sleep(Number(process.env.SSE_TICK ?? 1));
  }
}

const app = new web.Application();
app.router.addGet('/', index);
app.router.addGet('/events', events);
// handlerCancellation: the handler's task is cancelled when the client goes away.
web.runApp(app, { host: '127.0.0.1', port: Number(process.env.PORT ?? 8080), handlerCancellation: true });
