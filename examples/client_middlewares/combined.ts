// aiohttp's examples/combined_middleware.py: logging, Basic auth and retry
// middlewares chained on one session. The order matters: logging (outermost)
// sees each request once, auth adds its header before the retries, retry
// (innermost) resends on 429/5xx.
//   node --import tsx examples/client_middlewares/combined.ts
// RETRY_DELAY sets the first retry delay in seconds (0.5 by default).
import { run, sleep } from 'aiots';
import { BasicAuth, ClientSession, type ClientHandler, type ClientRequest, type ClientResponse } from 'aiots/client';
import * as web from 'aiots/web';

const log = (level: string, message: string): void => console.error(`${level} - ${message}`);

/** Logs request timing and response status. */
class LoggingMiddleware {
  async handle(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    const start = performance.now();
    log('INFO', `[REQUEST] ${request.method} ${request.url.href}`);
    const response = await handler(request);
    log('INFO', `[RESPONSE] ${request.url.pathname} in ${((performance.now() - start) / 1000).toFixed(2)}s - Status: ${response.status}`);
    return response;
  }
}

/** Adds Basic Authentication to all requests. */
class BasicAuthMiddleware {
  readonly #authHeader: string;

  constructor(username: string, password: string) {
    this.#authHeader = new BasicAuth(username, password, 'utf-8').encode();
  }

  async handle(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    if (!request.headers.has('authorization')) request.headers.set('authorization', this.#authHeader);
    return handler(request);
  }
}

const DEFAULT_RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Retries failed requests with exponential backoff. */
class RetryMiddleware {
  readonly maxRetries: number;
  readonly initialDelay: number;
  readonly backoffFactor: number;
  readonly retryStatuses: ReadonlySet<number>;

  constructor(maxRetries = 3, initialDelay = 1.0, backoffFactor = 2.0, retryStatuses = DEFAULT_RETRY_STATUSES) {
    this.maxRetries = maxRetries;
    this.initialDelay = initialDelay;
    this.backoffFactor = backoffFactor;
    this.retryStatuses = retryStatuses;
  }

  async handle(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    let delay = this.initialDelay;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) log('INFO', `Retrying request (attempt ${attempt + 1}/${this.maxRetries + 1})`);
      const response = await handler(request);
      if (!this.retryStatuses.has(response.status)) return response;
      if (attempt >= this.maxRetries) {
        log('WARNING', 'Max retries exceeded');
        return response;
      }
      response.release();
      await sleep(delay);
      delay *= this.backoffFactor;
    }
  }
}

/** Endpoints for the chain: protected (auth, and a 500 the first time), flaky, always failing, any status. */
class TestServer {
  flakyCounter = 0;
  protectedCounter = 0;

  handleProtected = async (request: web.Request): Promise<web.Response> => {
    const header = request.headers.get('authorization') ?? '';
    const unauthorized = (text: string) => new web.Response({ status: 401, text, headers: { 'WWW-Authenticate': 'Basic realm="test"' } });
    if (!header.startsWith('Basic ')) return unauthorized('Unauthorized');
    let creds: BasicAuth;
    try {
      creds = BasicAuth.decode(header, 'utf-8');
    } catch {
      return unauthorized('Invalid credentials format');
    }
    if (creds.login !== 'user' || creds.password !== 'pass') return new web.Response({ status: 401, text: 'Invalid credentials' });
    if (++this.protectedCounter === 1) return new web.Response({ status: 500, text: 'Internal server error (first attempt)' });
    return web.jsonResponse({ message: 'Access granted', user: creds.login, resource: 'protected data' });
  };

  handleFlaky = async (): Promise<web.Response> => {
    if (++this.flakyCounter <= 2) return new web.Response({ status: 503, text: `Service temporarily unavailable (attempt ${this.flakyCounter})` });
    this.flakyCounter = 0;
    return web.jsonResponse({ message: 'Success after retries!', data: 'Important information retrieved' });
  };

  handleAlwaysFail = async (): Promise<web.Response> => new web.Response({ status: 500, text: 'Internal server error' });

  handleStatus = async (request: web.Request): Promise<web.Response> => {
    const status = Number(request.matchInfo.status);
    return new web.Response({ status, text: `Status: ${status}` });
  };
}

async function runTestServer(): Promise<{ runner: web.AppRunner; base: string }> {
  const app = new web.Application();
  const server = new TestServer();
  app.router.addGet('/protected', server.handleProtected);
  app.router.addGet('/flaky', server.handleFlaky);
  app.router.addGet('/always-fail', server.handleAlwaysFail);
  app.router.addGet('/status/{status}', server.handleStatus);
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', Number(process.env.PORT ?? 8080));
  await site.start();
  return { runner, base: `http://127.0.0.1:${site.port}` };
}

async function runTests(base: string): Promise<void> {
  const retry = new RetryMiddleware(2, Number(process.env.RETRY_DELAY ?? 0.5));
  // Applied in order: logging -> auth -> retry -> request.
  await using session = new ClientSession({ middlewares: [new LoggingMiddleware(), new BasicAuthMiddleware('user', 'pass'), retry] });

  console.log('=== Test 1: Protected endpoint with auth (fails once, then succeeds) ===');
  console.log('This tests retry + auth working together...');
  {
    await using resp = await session.get(`${base}/protected`);
    console.log(resp.status === 200 ? `Success after retry! Response: ${JSON.stringify(await resp.json())}` : `Failed with status: ${resp.status}`);
  }

  console.log('\n=== Test 2: Flaky endpoint (fails twice, then succeeds) ===');
  console.log('Watch the logs to see retries in action...');
  {
    await using resp = await session.get(`${base}/flaky`);
    console.log(resp.status === 200 ? `Success after retries! Response: ${JSON.stringify(await resp.json())}` : `Failed with status ${resp.status}: ${await resp.text()}`);
  }

  console.log('\n=== Test 3: Always failing endpoint ===');
  {
    await using resp = await session.get(`${base}/always-fail`);
    console.log(`Final status after retries: ${resp.status}`);
  }

  console.log('\n=== Test 4: Non-retryable status (404) ===');
  {
    await using resp = await session.get(`${base}/status/404`);
    console.log(`Status: ${resp.status} (no retries for 404)`);
  }

  console.log('\n=== Test 5: Request without middleware ===');
  console.log('Making a request to protected endpoint without middleware...');
  {
    await using resp = await session.get(`${base}/protected`, { middlewares: [] });
    console.log(`Status without middleware: ${resp.status}`);
    if (resp.status === 401) console.log('Failed as expected - no auth header added');
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
