// aiohttp's examples/token_refresh_middleware.py: a client middleware that
// adds a bearer token, refreshes it when it expires or a 401 comes back (one
// refresh for many concurrent requests, behind a Lock), against a test server
// that issues and checks tokens.
//   node --import tsx examples/client_middlewares/token_refresh.ts
import { createHash, randomBytes } from 'node:crypto';
import { gather, Lock, run } from 'aiots';
import { ClientSession, type ClientHandler, type ClientRequest, type ClientResponse } from 'aiots/client';
import * as web from 'aiots/web';

const log = (level: string, message: string): void => console.error(`${level} - ${message}`);
const now = (): number => Date.now() / 1000;
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Handles JWT-like token refresh automatically. */
class TokenRefreshMiddleware {
  accessToken: string | null = null;
  tokenExpiresAt: number | null = null;
  readonly #refreshLock = new Lock();
  refreshes = 0;

  readonly tokenEndpoint: string;
  readonly refreshToken: string;

  constructor(tokenEndpoint: string, refreshToken: string) {
    this.tokenEndpoint = tokenEndpoint;
    this.refreshToken = refreshToken;
  }

  async #refreshAccessToken(session: ClientSession): Promise<string> {
    await this.#refreshLock.acquire();
    try {
      return await this.#refreshLocked(session);
    } finally {
      this.#refreshLock.release();
    }
  }

  async #refreshLocked(session: ClientSession): Promise<string> {
    // Another request may have refreshed it while this one waited.
    if (this.tokenExpiresAt !== null && now() < this.tokenExpiresAt) return this.accessToken as string;
    log('INFO', 'Refreshing access token...');
    // Without middlewares: the refresh request must not come back here.
    await using resp = await session.post(this.tokenEndpoint, { json: { refresh_token: this.refreshToken }, middlewares: [] });
    resp.raiseForStatus();
    const data = await resp.json<{ access_token?: string; expires_in?: number }>();
    if (data.access_token === undefined) throw new Error('No access_token in refresh response');
    this.accessToken = data.access_token;
    const expiresIn = data.expires_in ?? 300;
    this.tokenExpiresAt = now() + expiresIn - 30;
    this.refreshes++;
    log('INFO', `Token refreshed successfully, expires in ${expiresIn} seconds`);
    return this.accessToken;
  }

  async handle(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    if (request.url.pathname.endsWith('/token/refresh')) return handler(request);
    if (this.accessToken === null || (this.tokenExpiresAt !== null && now() >= this.tokenExpiresAt)) {
      await this.#refreshAccessToken(request.session);
    }
    request.headers.set('authorization', `Bearer ${this.accessToken}`);
    const response = await handler(request);
    if (response.status === 401) {
      log('INFO', 'Got 401, attempting token refresh...');
      response.release();
      await this.#refreshAccessToken(request.session);
      request.headers.set('authorization', `Bearer ${this.accessToken}`);
      return handler(request);
    }
    return response;
  }
}

interface TokenData { userId: string; username: string; expiresAt: number }

/** Issues access tokens for a known refresh token, and checks them. */
class TestServer {
  tokensDb = new Map<string, TokenData>();
  readonly refreshTokensDb = new Map([[sha256('demo_refresh_token_12345'), { userId: 'user123', username: 'testuser' }]]);

  handleTokenRefresh = async (request: web.Request): Promise<web.Response> => {
    let data: { refresh_token?: string };
    try {
      data = await request.json();
    } catch {
      return web.jsonResponse({ error: 'Invalid request' }, { status: 400 });
    }
    if (data.refresh_token === undefined) return web.jsonResponse({ error: 'refresh_token required' }, { status: 400 });
    const user = this.refreshTokensDb.get(sha256(data.refresh_token));
    if (user === undefined) return web.jsonResponse({ error: 'Invalid refresh token' }, { status: 401 });
    const accessToken = randomBytes(32).toString('base64url');
    const expiresIn = 300;
    this.tokensDb.set(sha256(accessToken), { ...user, expiresAt: now() + expiresIn });
    for (const [k, v] of this.tokensDb) if (v.expiresAt <= now()) this.tokensDb.delete(k);
    return web.jsonResponse({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
  };

  verifyBearerToken(request: web.Request): TokenData | null {
    const header = request.headers.get('authorization') ?? '';
    if (!header.startsWith('Bearer ')) return null;
    const data = this.tokensDb.get(sha256(header.slice(7)));
    return data !== undefined && data.expiresAt > now() ? data : null;
  }

  handleProtectedResource = async (request: web.Request): Promise<web.Response> => {
    const user = this.verifyBearerToken(request);
    if (user === null) return web.jsonResponse({ error: 'Invalid or expired token' }, { status: 401 });
    return web.jsonResponse({ message: 'Access granted to protected resource', user: user.username, data: 'Secret information' });
  };

  handleUserInfo = async (request: web.Request): Promise<web.Response> => {
    const user = this.verifyBearerToken(request);
    if (user === null) return web.jsonResponse({ error: 'Invalid or expired token' }, { status: 401 });
    return web.jsonResponse({ user_id: user.userId, username: user.username, email: `${user.username}@example.com`, roles: ['user', 'admin'] });
  };
}

async function runTestServer(): Promise<{ runner: web.AppRunner; base: string }> {
  const server = new TestServer();
  const app = new web.Application();
  app.router.addPost('/token/refresh', server.handleTokenRefresh);
  app.router.addGet('/api/protected', server.handleProtectedResource);
  app.router.addGet('/api/user', server.handleUserInfo);
  const runner = new web.AppRunner(app, { accessLog: null });
  await runner.setup();
  const site = new web.TCPSite(runner, '127.0.0.1', Number(process.env.PORT ?? 8080));
  await site.start();
  return { runner, base: `http://127.0.0.1:${site.port}` };
}

async function runTests(base: string): Promise<void> {
  const tokenMiddleware = new TokenRefreshMiddleware(`${base}/token/refresh`, 'demo_refresh_token_12345');
  await using session = new ClientSession({ middlewares: [tokenMiddleware] });

  console.log('=== Test 1: First request (will trigger token refresh) ===');
  {
    await using resp = await session.get(`${base}/api/protected`);
    console.log(resp.status === 200 ? `Success! Response: ${JSON.stringify(await resp.json())}` : `Failed with status: ${resp.status}`);
  }

  console.log('\n=== Test 2: Second request (uses cached token) ===');
  {
    await using resp = await session.get(`${base}/api/user`);
    console.log(resp.status === 200 ? `User info: ${JSON.stringify(await resp.json())}` : `Failed with status: ${resp.status}`);
  }

  console.log('\n=== Test 3: Multiple concurrent requests ===');
  console.log('(Should only refresh token once)');
  // Unlike the original, start without a token: the three wait on the lock and share one refresh.
  tokenMiddleware.accessToken = null;
  tokenMiddleware.tokenExpiresAt = null;
  const before = tokenMiddleware.refreshes;
  const responses = await gather(...[0, 1, 2].map(() => () => session.get(`${base}/api/protected`)));
  for (const [i, resp] of responses.entries()) {
    console.log(`Request ${i + 1}: ${resp.status === 200 ? 'Success' : `Failed with ${resp.status}`}`);
    resp.release();
  }
  console.log(`Refreshes for the three: ${tokenMiddleware.refreshes - before}`);

  console.log('\n=== Test 4: Simulate token expiry ===');
  tokenMiddleware.tokenExpiresAt = now() - 1;
  console.log('Token expired, next request should trigger refresh...');
  {
    await using resp = await session.get(`${base}/api/protected`);
    console.log(resp.status === 200 ? `Success after token refresh! Response: ${JSON.stringify(await resp.json())}` : `Failed with status: ${resp.status}`);
  }

  console.log('\n=== Test 5: Request without middleware (no auth) ===');
  {
    await using resp = await session.get(`${base}/api/protected`, { middlewares: [] });
    console.log(`Status: ${resp.status}`);
    if (resp.status === 401) console.log(`Failed as expected without auth: ${JSON.stringify(await resp.json())}`);
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
