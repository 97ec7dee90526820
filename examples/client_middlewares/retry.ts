// aiohttp's examples/retry_middleware.py: a client middleware that retries
// 429/5xx answers with exponential backoff, against a test server whose
// endpoints answer a given sequence of statuses.
//   node --import tsx examples/client_middlewares/retry.ts
// RETRY_DELAY sets the first delay in seconds (0.5 by default).
import { run, sleep } from 'aiots';
import { ClientSession, type ClientHandler, type ClientRequest, type ClientResponse } from 'aiots/client';
import * as web from 'aiots/web';

const log = (level: string, message: string): void => console.error(`${level} - ${message}`);

const DEFAULT_RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Retries failed requests with exponential backoff. */
class RetryMiddleware {
  readonly maxRetries: number;
  readonly retryStatuses: ReadonlySet<number>;
  readonly initialDelay: number;
  readonly backoffFactor: number;

  constructor({ maxRetries = 3, retryStatuses = DEFAULT_RETRY_STATUSES, initialDelay = 1.0, backoffFactor = 2.0 } = {}) {
    this.maxRetries = maxRetries;
    this.retryStatuses = retryStatuses;
    this.initialDelay = initialDelay;
    this.backoffFactor = backoffFactor;
  }

  async handle(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    let delay = this.initialDelay;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) log('INFO', `Retrying request to ${request.url.href} (attempt ${attempt + 1}/${this.maxRetries + 1})`);
      const response = await handler(request);
      if (!this.retryStatuses.has(response.status)) return response;
      if (attempt >= this.maxRetries) {
        log('WARNING', `Max retries (${this.maxRetries}) exceeded for ${request.url.href}`);
        return response;
      }
      // The answer is dropped: give its connection back before waiting.
      response.release();
      await sleep(delay);
      delay *= this.backoffFactor;
    }
  }
}

/** Endpoints that answer a given status, or a sequence of statuses on successive requests. */
class TestServer {
  requestCounters = new Map<string, number>();
  readonly statusSequences: Readonly<Record<string, readonly number[]>> = {
    'eventually-ok': [500, 503, 502, 200],
    'always-error': [500, 500, 500, 500],
    'immediate-ok': [200],
    flaky: [503, 200],
  };

  handleStatus = async (request: web.Request): Promise<web.Response> => {
    const status = Number(request.matchInfo.status);
    return new web.Response({ status, text: `Status: ${status}` });
  };

  handleStatusSequence = async (request: web.Request): Promise<web.Response> => {
    const sequence = this.statusSequences[request.matchInfo.name as string];
    if (sequence === undefined) return new web.Response({ status: 404, text: 'Sequence not found' });
    const count = this.requestCounters.get(request.path) ?? 0;
    const status = sequence[Math.min(count, sequence.length - 1)] as number;
    this.requestCounters.set(request.path, count + 1);
    return new web.Response({ status, text: `Request #${count + 1}: Status ${status}` });
  };

  handleDelay = async (request: web.Request): Promise<web.Response> => {
    const delay = Number(request.matchInfo.delay);
    await sleep(delay);
    return web.jsonResponse({ delay, message: 'Response after delay' });
  };

  handleReset = async (): Promise<web.Response> => {
    this.requestCounters = new Map();
    return new web.Response({ text: 'Counters reset' });
  };
}

async function runTestServer(): Promise<{ runner: web.AppRunner; base: string }> {
  const app = new web.Application();
  const server = new TestServer();
  app.router.addGet('/status/{status}', server.handleStatus);
  app.router.addGet('/sequence/{name}', server.handleStatusSequence);
  app.router.addGet('/delay/{delay}', server.handleDelay);
  app.router.addPost('/reset', server.handleReset);
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', Number(process.env.PORT ?? 8080));
  await site.start();
  return { runner, base: `http://127.0.0.1:${site.port}` };
}

async function show(session: ClientSession, url: string, after: (resp: ClientResponse) => string): Promise<void> {
  await using resp = await session.get(url);
  const text = await resp.text();
  console.log(`Final status: ${resp.status}`);
  console.log(`Response: ${text}`);
  console.log(`${after(resp)}\n`);
}

async function runTests(base: string): Promise<void> {
  const retryMiddleware = new RetryMiddleware({ maxRetries: 3, initialDelay: Number(process.env.RETRY_DELAY ?? 0.5), backoffFactor: 2.0 });
  await using session = new ClientSession({ middlewares: [retryMiddleware] });
  (await session.post(`${base}/reset`)).release();

  console.log('=== Test 1: Immediate success ===');
  await show(session, `${base}/sequence/immediate-ok`, () => 'Success - no retries needed');

  console.log('=== Test 2: Eventually succeeds (500->503->502->200) ===');
  await show(session, `${base}/sequence/eventually-ok`, (r) => (r.status === 200 ? 'Success after retries!' : 'Failed after retries'));

  console.log('=== Test 3: Always fails (500->500->500->500) ===');
  await show(session, `${base}/sequence/always-error`, () => 'Failed after exhausting all retries');

  console.log('=== Test 4: Flaky service (503->200) ===');
  (await session.post(`${base}/reset`)).release();
  await show(session, `${base}/sequence/flaky`, () => 'Success after one retry!');

  console.log('=== Test 5: Non-retryable status (404) ===');
  {
    await using resp = await session.get(`${base}/status/404`);
    console.log(`Final status: ${resp.status}`);
    console.log('Failed immediately - not a retryable status\n');
  }

  console.log('=== Test 6: Testing with delay endpoint ===');
  {
    await using resp = await session.get(`${base}/delay/0.05`);
    console.log(`Status: ${resp.status}`);
    console.log(`Response received after delay: ${JSON.stringify(await resp.json())}\n`);
  }
}

await run(async () => {
  const { runner, base } = await runTestServer();
  try {
    await runTests(base);
  } finally {
    await runner.cleanup();
  }
});
