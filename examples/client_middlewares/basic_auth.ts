// aiohttp's examples/basic_auth_middleware.py: a client middleware that adds
// Basic credentials to every request that has none, against a test server
// that checks them.
//   node --import tsx examples/client_middlewares/basic_auth.ts
import { run } from 'aiots';
import { BasicAuth, ClientSession, type ClientHandler, type ClientRequest, type ClientResponse } from 'aiots/client';
import * as web from 'aiots/web';

/** Adds Basic Authentication to all requests. */
class BasicAuthMiddleware {
  readonly #authHeader: string;

  constructor(username: string, password: string) {
    this.#authHeader = new BasicAuth(username, password, 'utf-8').encode();
  }

  async handle(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    // Only add auth if not already present.
    if (!request.headers.has('authorization')) request.headers.set('authorization', this.#authHeader);
    return handler(request);
  }
}

function unauthorized(text: string, realm = 'test'): web.Response {
  return new web.Response({ status: 401, text, headers: { 'WWW-Authenticate': `Basic realm="${realm}"` } });
}

async function handleBasicAuth(request: web.Request): Promise<web.Response> {
  const header = request.headers.get('authorization') ?? '';
  if (!header.startsWith('Basic ')) return unauthorized('Unauthorized');
  let creds: BasicAuth;
  try {
    creds = BasicAuth.decode(header, 'utf-8');
  } catch {
    return unauthorized('Invalid credentials format');
  }
  if (creds.login === request.matchInfo.user && creds.password === request.matchInfo.pass) {
    return web.jsonResponse({ authenticated: true, user: creds.login });
  }
  return unauthorized('Invalid username or password');
}

async function handleProtectedResource(request: web.Request): Promise<web.Response> {
  if ((request.headers.get('authorization') ?? '').startsWith('Basic ')) {
    return web.jsonResponse({ message: 'Access granted to protected resource', auth_provided: true });
  }
  return unauthorized('Authentication required', 'protected');
}

async function runTestServer(): Promise<{ runner: web.AppRunner; base: string }> {
  const app = new web.Application();
  app.router.addGet('/basic-auth/{user}/{pass}', handleBasicAuth);
  app.router.addGet('/protected', handleProtectedResource);
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', Number(process.env.PORT ?? 8080));
  await site.start();
  return { runner, base: `http://127.0.0.1:${site.port}` };
}

async function runTests(base: string): Promise<void> {
  await using session = new ClientSession({ middlewares: [new BasicAuthMiddleware('user', 'pass')] });

  console.log('=== Test 1: Correct credentials ===');
  {
    await using resp = await session.get(`${base}/basic-auth/user/pass`);
    if (resp.status === 200) {
      const data = await resp.json<{ authenticated: boolean; user: string }>();
      console.log('Authentication successful!');
      console.log(`Authenticated: ${data.authenticated}`);
      console.log(`User: ${data.user}`);
    } else {
      console.log(`Authentication failed! Status: ${resp.status}: ${await resp.text()}`);
    }
  }

  console.log('\n=== Test 2: Wrong credentials endpoint ===');
  {
    await using resp = await session.get(`${base}/basic-auth/other/secret`);
    if (resp.status === 401) console.log(`Authentication failed as expected (wrong credentials): ${await resp.text()}`);
    else console.log(`Unexpected status: ${resp.status}`);
  }

  console.log('\n=== Test 3: Access protected resource ===');
  {
    await using resp = await session.get(`${base}/protected`);
    if (resp.status === 200) console.log(`Successfully accessed protected resource! Response: ${JSON.stringify(await resp.json())}`);
    else console.log(`Failed to access protected resource: ${resp.status}`);
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
