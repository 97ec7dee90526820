// aiohttp's examples/logging_middleware.py: a client middleware that logs each
// request, its status and how long it took, against a small test server.
//   node --import tsx examples/client_middlewares/logging.ts
// The log goes to stderr (as Python's logging); SLOW_DELAY sets the slow
// endpoint's delay in seconds (2 by default).
import { gather, run, sleep } from 'aiots';
import { ClientSession, type ClientHandler, type ClientRequest, type ClientResponse } from 'aiots/client';
import * as web from 'aiots/web';

const log = (level: string, message: string): void => console.error(`${new Date().toISOString()} - logging_middleware - ${level} - ${message}`);

/** Logs request timing and response status. */
class LoggingMiddleware {
  async handle(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    const start = performance.now();
    log('INFO', `[REQUEST] ${request.method} ${request.url.href}`);
    log('DEBUG', `[REQUEST HEADERS] ${JSON.stringify(Object.fromEntries(request.headers))}`);
    const response = await handler(request);
    const duration = (performance.now() - start) / 1000;
    log('INFO', `[RESPONSE] ${request.method} ${request.url.href} - Status: ${response.status} - Duration: ${duration.toFixed(3)}s`);
    log('DEBUG', `[RESPONSE HEADERS] ${JSON.stringify(Object.fromEntries(response.headers))}`);
    return response;
  }
}

async function handleHello(request: web.Request): Promise<web.Response> {
  return web.jsonResponse({ message: `Hello, ${request.matchInfo.name ?? 'World'}!` });
}

async function handleSlow(request: web.Request): Promise<web.Response> {
  const delay = Number(request.matchInfo.delay ?? 1);
  await sleep(delay);
  return web.jsonResponse({ message: 'Slow response completed', delay });
}

async function handleError(request: web.Request): Promise<web.Response> {
  const status = Number(request.matchInfo.status ?? 500);
  return new web.Response({ status, text: `Error response with status ${status}` });
}

async function handleJsonData(request: web.Request): Promise<web.Response> {
  try {
    return web.jsonResponse({ echo: await request.json(), received_at: Date.now() / 1000 });
  } catch {
    return web.jsonResponse({ error: 'Invalid JSON' }, { status: 400 });
  }
}

async function runTestServer(): Promise<{ runner: web.AppRunner; base: string }> {
  const app = new web.Application();
  app.router.addGet('/hello', handleHello);
  app.router.addGet('/hello/{name}', handleHello);
  app.router.addGet('/slow/{delay}', handleSlow);
  app.router.addGet('/error/{status}', handleError);
  app.router.addPost('/echo', handleJsonData);
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', Number(process.env.PORT ?? 8080));
  await site.start();
  return { runner, base: `http://127.0.0.1:${site.port}` };
}

async function runTests(base: string): Promise<void> {
  await using session = new ClientSession({ middlewares: [new LoggingMiddleware()] });

  console.log('\n=== Test 1: Simple GET request ===');
  console.log(`Response: ${JSON.stringify(await (await session.get(`${base}/hello`)).json())}`);

  console.log('\n=== Test 2: GET with parameter ===');
  console.log(`Response: ${JSON.stringify(await (await session.get(`${base}/hello/Alice`)).json())}`);

  const slow = process.env.SLOW_DELAY ?? '2';
  console.log(`\n=== Test 3: Slow request (${slow} seconds) ===`);
  console.log(`Response: ${JSON.stringify(await (await session.get(`${base}/slow/${slow}`)).json())}`);

  console.log('\n=== Test 4: Error response ===');
  console.log(`Response: ${await (await session.get(`${base}/error/404`)).text()}`);

  console.log('\n=== Test 5: POST with JSON data ===');
  const payload = { name: 'Bob', age: 30, city: 'New York' };
  const echoed = await (await session.post(`${base}/echo`, { json: payload })).json<{ echo: unknown }>();
  console.log(`Response: ${JSON.stringify(echoed.echo)}`);

  console.log('\n=== Test 6: Multiple concurrent requests ===');
  const responses = await gather(...[0, 1, 2].map((i) => () => session.get(`${base}/hello/User${i}`)));
  for (const [i, resp] of responses.entries()) console.log(`Concurrent request ${i}: ${JSON.stringify(await resp.json())}`);
}

await run(async () => {
  const { runner, base } = await runTestServer();
  try {
    await runTests(base);
  } finally {
    await runner.cleanup();
  }
});
